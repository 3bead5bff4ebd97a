#include "exporter/config/peer_files.h"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <type_traits>
#include <utility>

#include "exporter/config/file_util.h"
#include "exporter/config/name_checks.h"

namespace wgx {
namespace {

// The same bound as the YAML file's.
constexpr std::size_t kMaxPeerFileSize = 64u << 20;

bool IsGlob(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }

PeerFileFormat FormatOf(std::string_view path) {
  return path.ends_with(".netdev") ? PeerFileFormat::kNetdev : PeerFileFormat::kWgQuick;
}

// Owns a glob(3) result.
class GlobResult {
 public:
  explicit GlobResult(const std::string& pattern) {
    // Without GLOB_ERR: a directory that does not exist (yet) matches nothing.
    // Loads run one at a time (ConfigStore serialises reloads).
    // NOLINTNEXTLINE(concurrency-mt-unsafe)
    status_ = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &result_);
  }
  GlobResult(const GlobResult&) = delete;
  GlobResult& operator=(const GlobResult&) = delete;
  ~GlobResult() { ::globfree(&result_); }

  int status() const { return status_; }
  std::vector<std::string> Paths() const {
    std::vector<std::string> paths;
    if (status_ != 0) return paths;
    for (std::size_t i = 0; i < result_.gl_pathc; ++i) paths.emplace_back(result_.gl_pathv[i]);
    std::sort(paths.begin(), paths.end());  // the same file fails first every time
    return paths;
  }

 private:
  glob_t result_{};
  int status_ = 0;
};

}  // namespace

std::optional<PeerDetails> PeerFileReader::ReadFile(const std::string& path, bool required,
                                                    const Entry& where_named,
                                                    const std::string& interface_name) {
  std::string text;
  FileReadResult read = ReadRegularFile(path, kMaxPeerFileSize, text);
  // Recorded even when missing, so its creation triggers a reload.
  sources_.push_back(read.stamp);
  const PeerFileFormat format = FormatOf(path);
  const char* kind = format == PeerFileFormat::kNetdev ? ".netdev" : "wg-quick";
  if (!read.ok()) {
    if (!required && read.error_number == ENOENT) return std::nullopt;
    reader_.Fail(where_named, std::string("cannot read ") + kind + " file " + Quoted(path) +
                                  " of interface " + Quoted(interface_name) + ": " + read.error);
  }
  auto parsed = ParsePeerComments(text, format);
  // The file holds the interface's PrivateKey: no copy outlives the parse.
  SecureWipe(text);
  // Visited rather than taken apart with get_if/get: GCC 12 at -O3 warns
  // (-Wfree-nonheap-object, falsely) about the variant's destructor on the
  // throwing path otherwise.
  return std::visit(
      [&](auto&& result) -> PeerDetails {
        if constexpr (std::is_same_v<std::decay_t<decltype(result)>, WgQuickParseError>) {
          ConfigError error;
          error.file = path;
          error.line = result.line;
          error.column = result.column;
          error.message = result.message + " (" + kind + " file of interface " +
                          Quoted(interface_name) + ", named by " + reader_.file_name() + ")";
          throw LoadFailure(std::move(error));
        } else {
          return std::forward<decltype(result)>(result);
        }
      },
      std::move(parsed));
}

void PeerFileReader::Merge(PeerDetails& into, PeerDetails& from, const std::string& path,
                           std::vector<std::pair<Key, std::string>>& origin, const Entry& where) {
  for (auto& peer : from) {
    const Key& key = peer.first;
    const bool inserted = into.try_emplace(key, std::move(peer.second)).second;
    if (!inserted) {
      const auto first = std::find_if(origin.begin(), origin.end(),
                                      [&key](const auto& entry) { return entry.first == key; });
      reader_.Fail(where, "peer " + key.ToBase64() + " is named in both " +
                              Quoted(first != origin.end() ? first->second : "?") + " and " +
                              Quoted(path));
    }
    origin.emplace_back(key, path);
  }
}

void MergeFilePeers(PeerDetails& details, const YamlPeers& yaml, InterfaceConfig& iface) {
  for (auto& [key, comments] : details) {
    auto [it, inserted] = iface.peers.try_emplace(key);
    if (inserted) it->second.labels = iface.labels;
    if (comments.name && yaml.named.count(key) == 0) it->second.name = std::move(*comments.name);
    if (comments.labels.empty()) continue;
    std::map<std::string, std::string> labels = yaml.interface_labels;
    for (auto& [label, value] : comments.labels) labels[label] = std::move(value);
    if (auto own = yaml.own_labels.find(key); own != yaml.own_labels.end()) {
      for (const auto& [label, value] : own->second) labels[label] = value;
    }
    it->second.labels = Labels(labels.begin(), labels.end());
  }
}

void MergeDatabaseNames(PeerNames& names, const YamlPeers& yaml, InterfaceConfig& iface) {
  for (auto& [key, name] : names) {
    if (yaml.named.count(key) != 0) continue;
    auto [it, inserted] = iface.peers.try_emplace(key);
    if (inserted) it->second.labels = iface.labels;
    if (it->second.name.empty()) it->second.name = std::move(name);
  }
}

PeerDetails PeerFileReader::ReadEntry(const Entry& entry, const std::string& interface_name) {
  std::vector<Entry> items;
  if (entry.value.IsSequence()) {
    if (entry.value.size() == 0) reader_.Fail(entry, "the list is empty");
    for (std::size_t i = 0; i < entry.value.size(); ++i) {
      const Entry item{"", entry.key_node, entry.value[i],
                       entry.path + "[" + std::to_string(i) + "]"};
      if (item.value.IsNull()) reader_.Fail(entry.value, item.path + ": the list item is empty");
      items.push_back(item);
    }
  } else {
    items.push_back(entry);
  }
  PeerDetails merged;
  std::vector<std::pair<Key, std::string>> origin;
  for (const Entry& item : items) {
    const std::string path = reader_.PathValue(item);
    if (!IsGlob(path)) {
      if (auto details = ReadFile(path, /*required=*/true, item, interface_name)) {
        Merge(merged, *details, path, origin, item);
      }
      continue;
    }
    // A file added later changes its directory's mtime.
    const std::string directory = std::filesystem::path(path).parent_path().string();
    if (!IsGlob(directory)) sources_.push_back(StampFile(directory));
    const GlobResult matches(path);
    if (matches.status() != 0 && matches.status() != GLOB_NOMATCH) {
      reader_.Fail(item, "cannot list the files of pattern " + Quoted(path));
    }
    for (const std::string& match : matches.Paths()) {
      std::error_code error;
      if (!std::filesystem::is_regular_file(match, error)) continue;
      if (auto details = ReadFile(match, /*required=*/false, item, interface_name)) {
        Merge(merged, *details, match, origin, item);
      }
    }
  }
  return merged;
}

}  // namespace wgx
