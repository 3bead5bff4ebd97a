#include "exporter/config/loader.h"

#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include "exporter/config/duration.h"
#include "exporter/config/file_util.h"
#include "exporter/config/name_checks.h"
#include "exporter/config/namespaces_section.h"
#include "exporter/config/peer_databases.h"
#include "exporter/config/peer_files.h"
#include "exporter/config/wg_quick.h"
#include "exporter/config/yaml_reader.h"

namespace wgx {
namespace {

using std::chrono::milliseconds;

// Far beyond any real configuration (100,000 peers with names and labels are
// about 15 MB), small enough that a wrong path cannot exhaust memory.
constexpr std::size_t kMaxFileSize = 64u << 20;  // the YAML file
constexpr milliseconds kMaxReadTimeout{60'000};

constexpr std::array<std::string_view, 7> kTopLevelKeys{
    "defaults", "discover", "exclude", "namespaces", "wg_quick", "metrics", "interfaces"};

// The names metrics.disable accepts, in kMetricToggles' order.
constexpr auto kMetricToggleNames = [] {
  std::array<std::string_view, kMetricToggles.size()> names{};
  for (std::size_t i = 0; i < kMetricToggles.size(); ++i) names[i] = kMetricToggles[i].name;
  return names;
}();

class Loader {
 public:
  Loader(std::string file_name, std::vector<FileStamp>& sources)
      : reader_(std::move(file_name)), sources_(sources) {}

  std::shared_ptr<Config> Load(std::string_view yaml) {
    YAML::Node root;
    std::optional<YAML::Mark> second_document;
    try {
      // Not YAML::LoadAll: yaml-cpp 0.7 loops forever, allocating, on some
      // inputs with stray top-level punctuation (",%"). Walking the documents
      // with a handler that builds nothing ends on the same inputs.
      second_document = SecondDocumentStart(yaml);
      if (!second_document) root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
      throw LoadFailure(reader_.ErrorAt(e.mark, "YAML syntax error: " + e.msg));
    }
    config_ = std::make_shared<Config>();
    if (second_document) {
      throw LoadFailure(reader_.ErrorAt(
          *second_document, "the file holds more than one YAML document; put everything in one"));
    }
    if (!root || root.IsNull()) return config_;  // empty file: defaults
    if (!root.IsMap()) {
      reader_.Fail(root, "the configuration must be a mapping with the keys " +
                             JoinNames(kTopLevelKeys) + ", got " + TypeName(root));
    }

    std::map<std::string, Entry> top;
    reader_.ForEachEntry(root, "", "the top level", kTopLevelKeys,
                         [&](Entry entry) { top.emplace(entry.key, std::move(entry)); });

    // Defaults first, whatever the order in the file: interfaces inherit them.
    if (auto it = top.find("defaults"); it != top.end()) LoadDefaults(it->second);
    if (auto it = top.find("discover"); it != top.end()) {
      config_->discover = reader_.Bool(it->second);
    }
    if (auto it = top.find("exclude"); it != top.end()) LoadExclude(it->second);
    if (auto it = top.find("namespaces"); it != top.end()) {
      config_->namespaces = LoadNamespacesSection(reader_, it->second);
    }
    if (auto it = top.find("metrics"); it != top.end()) LoadMetrics(it->second);
    if (auto it = top.find("wg_quick"); it != top.end()) LoadWgQuickSection(it->second);
    if (auto it = top.find("interfaces"); it != top.end()) LoadInterfaces(it->second);
    if (wg_quick_directory_) LoadDiscoveredPeerNames();
    return config_;
  }

 private:
  milliseconds OnlineThreshold(const Entry& entry) const {
    const milliseconds value = reader_.Duration(entry);
    if (value <= milliseconds::zero()) reader_.Fail(entry, "must be greater than 0");
    return value;
  }

  milliseconds ReadTimeout(const Entry& entry) const {
    const milliseconds value = reader_.Duration(entry);
    if (value <= milliseconds::zero() || value > kMaxReadTimeout) {
      reader_.Fail(entry, "must be greater than 0 and at most " + FormatDuration(kMaxReadTimeout) +
                              ", got " + FormatDuration(value));
    }
    return value;
  }

  // Sorted by name, names checked; keys are unique because ForEachEntry
  // refuses duplicates.
  std::map<std::string, std::string> LabelMap(const Entry& entry) const {
    std::map<std::string, std::string> labels;
    if (!reader_.RequireMapOrNull(entry)) return labels;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      const YAML::Node name_node = it->first;
      const YAML::Node value_node = it->second;
      if (!name_node.IsScalar()) {
        reader_.Fail(name_node,
                     entry.path + ": label names must be plain names, got " + TypeName(name_node));
      }
      const std::string& name = name_node.Scalar();
      if (auto problem = LabelNameProblem(name)) {
        reader_.Fail(name_node, entry.path + ": label " + Quoted(name) + " " + *problem);
      }
      const Entry value{name, name_node, value_node, entry.path + "." + name};
      if (!labels.emplace(name, reader_.String(value)).second) {
        reader_.Fail(name_node, entry.path + ": duplicate label " + Quoted(name));
      }
    }
    return labels;
  }

  static Labels ToLabels(const std::map<std::string, std::string>& labels) {
    return Labels(labels.begin(), labels.end());
  }

  void LoadDefaults(const Entry& section) {
    if (!reader_.RequireMapOrNull(section)) return;
    reader_.ForEachEntry(section.value, "defaults.", "defaults",
                         {"online_threshold", "read_timeout", "exclude_peers"},
                         [&](const Entry& entry) {
                           if (entry.key == "online_threshold") {
                             config_->default_online_threshold = OnlineThreshold(entry);
                           } else if (entry.key == "read_timeout") {
                             config_->default_read_timeout = ReadTimeout(entry);
                           } else {
                             config_->default_exclude_peers = Globs(entry, /*allow_slash=*/true);
                           }
                         });
  }

  std::vector<std::string> Globs(const Entry& section, bool allow_slash = false) const {
    std::vector<std::string> patterns;
    if (!reader_.RequireListOrNull(section)) return patterns;
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const Entry item{"", section.key_node, section.value[i],
                       section.path + "[" + std::to_string(i) + "]"};
      if (item.value.IsNull()) reader_.Fail(section.value, item.path + ": the list item is empty");
      const std::string pattern = reader_.String(item);
      if (auto problem = GlobProblem(pattern, allow_slash)) {
        reader_.Fail(item, "pattern " + Quoted(pattern) + " " + *problem);
      }
      patterns.push_back(pattern);
    }
    return patterns;
  }

  void LoadExclude(const Entry& section) { config_->exclude = Globs(section); }

  void LoadMetrics(const Entry& section) {
    if (!reader_.RequireMapOrNull(section)) return;
    reader_.ForEachEntry(
        section.value, "metrics.", "metrics", {"disable"}, [&](const Entry& entry) {
          if (!reader_.RequireListOrNull(entry)) return;
          for (std::size_t i = 0; i < entry.value.size(); ++i) {
            const Entry item{"", entry.key_node, entry.value[i],
                             entry.path + "[" + std::to_string(i) + "]"};
            if (item.value.IsNull())
              reader_.Fail(entry.value, item.path + ": the list item is empty");
            const std::string name = reader_.String(item);
            const auto toggle =
                std::find_if(kMetricToggles.begin(), kMetricToggles.end(),
                             [&](const MetricToggle& candidate) { return candidate.name == name; });
            if (toggle == kMetricToggles.end()) {
              reader_.Fail(item, "unknown metric group " + Quoted(name) +
                                     "; allowed: " + JoinNames(kMetricToggleNames));
            }
            config_->metrics.*(toggle->field) = false;
          }
        });
  }

  void LoadWgQuickSection(const Entry& section) {
    if (!reader_.RequireMapOrNull(section)) return;
    reader_.ForEachEntry(section.value, "wg_quick.", "wg_quick", {"directory"},
                         [&](const Entry& entry) {
                           wg_quick_directory_ = reader_.PathValue(entry);
                           wg_quick_directory_entry_.emplace(entry);
                         });
    if (!wg_quick_directory_) return;
    // Recorded before listing it, so a file added meanwhile still triggers
    // a reload later.
    sources_.push_back(StampFile(*wg_quick_directory_));
    const std::filesystem::path directory(*wg_quick_directory_);
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(directory, error);
    std::string problem;
    if (status.type() == std::filesystem::file_type::not_found) {
      problem = "does not exist";
    } else if (error) {
      problem = "cannot be read: " + error.message();
    } else if (status.type() != std::filesystem::file_type::directory) {
      problem = "is not a directory";
    }
    if (!problem.empty())
      reader_.Fail(*wg_quick_directory_entry_, Quoted(*wg_quick_directory_) + " " + problem);
  }

  void LoadInterfaces(const Entry& section) {
    if (!reader_.RequireListOrNull(section)) return;
    std::map<std::pair<std::string, std::string>, int> interface_lines;  // (netns, name)
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const YAML::Node& node = section.value[i];
      const std::string where = section.path + "[" + std::to_string(i) + "]";
      if (node.IsNull()) reader_.Fail(section.value, where + ": the list item is empty");
      if (!node.IsMap()) {
        reader_.Fail(node, where + ": an interface must be a mapping with at least a name, got " +
                               TypeName(node));
      }
      InterfaceConfig iface = LoadInterface(node, where);
      const auto [seen, inserted] = interface_lines.emplace(std::pair(iface.netns, iface.name), 0);
      if (!inserted) {
        reader_.Fail(
            node["name"],
            where + ".name: interface " + Quoted(iface.name) +
                (iface.netns.empty() ? std::string() : " of namespace " + Quoted(iface.netns)) +
                " is listed twice (first on line " + std::to_string(seen->second) + ")");
      }
      seen->second = node["name"].Mark().line + 1;
      config_->interfaces.push_back(std::move(iface));
    }
  }

  InterfaceConfig LoadInterface(const YAML::Node& node, const std::string& where) {
    std::map<std::string, Entry> entries;
    reader_.ForEachEntry(node, where + ".", where,
                         {"name", "netns", "online_threshold", "read_timeout", "labels",
                          "wg_quick_config", "peers", "exclude_peers", "peer_databases"},
                         [&](Entry entry) { entries.emplace(entry.key, std::move(entry)); });
    const auto find = [&](const std::string& key) -> const Entry* {
      const auto it = entries.find(key);
      return it != entries.end() ? &it->second : nullptr;
    };

    InterfaceConfig iface;
    const Entry* name = find("name");
    if (name == nullptr) reader_.Fail(node, where + ": an interface needs a name");
    iface.name = reader_.String(*name);
    if (auto problem = InterfaceNameProblem(iface.name)) {
      reader_.Fail(*name, "interface name " + Quoted(iface.name) + " " + *problem);
    }
    if (const Entry* e = find("netns")) {
      // Empty means the exporter's own namespace, as when the key is absent.
      iface.netns = reader_.String(*e);
      if (auto problem = NamespaceNameProblem(iface.netns); problem && !iface.netns.empty()) {
        reader_.Fail(*e, "namespace name " + Quoted(iface.netns) + " " + *problem);
      }
    }
    iface.online_threshold = config_->default_online_threshold;
    iface.read_timeout = config_->default_read_timeout;
    if (const Entry* e = find("online_threshold")) iface.online_threshold = OnlineThreshold(*e);
    if (const Entry* e = find("read_timeout")) iface.read_timeout = ReadTimeout(*e);
    std::map<std::string, std::string> interface_labels;
    if (const Entry* e = find("labels")) interface_labels = LabelMap(*e);
    iface.labels = ToLabels(interface_labels);
    iface.exclude_peers = config_->default_exclude_peers;
    if (const Entry* e = find("exclude_peers")) {
      for (std::string& pattern : Globs(*e, /*allow_slash=*/true)) {
        iface.exclude_peers.push_back(std::move(pattern));
      }
    }

    // Keys whose name the YAML gives (even an empty one): wg-quick never overrides these.
    std::unordered_set<Key, KeyHash> named_in_yaml;
    // Each YAML peer's own labels, which win over friendly_json labels.
    std::unordered_map<Key, std::map<std::string, std::string>, KeyHash> yaml_labels;
    if (const Entry* e = find("peers")) {
      LoadPeers(*e, interface_labels, iface, named_in_yaml, yaml_labels);
    }

    std::optional<PeerDetails> from_files;
    PeerFileReader files(reader_, sources_);
    if (const Entry* e = find("wg_quick_config")) {
      from_files = files.ReadEntry(*e, iface.name);
    } else if (wg_quick_directory_ && iface.netns.empty() && !IsExcluded(iface.name)) {
      // The directory holds the files of the exporter's own namespace.
      from_files = files.ReadFile(
          (std::filesystem::path(*wg_quick_directory_) / (iface.name + ".conf")).string(),
          /*required=*/false, *wg_quick_directory_entry_, iface.name);
    }
    const YamlPeers yaml{named_in_yaml, yaml_labels, interface_labels};
    if (from_files) MergeFilePeers(*from_files, yaml, iface);
    if (const Entry* e = find("peer_databases")) {
      // Not watched: their tables change with every traffic update. A reload
      // (a changed YAML or wg-quick file, SIGHUP) reads them again.
      for (const PeerDatabase& database : LoadPeerDatabases(reader_, *e)) {
        PeerDatabaseNames read = ReadPeerDatabase(database, iface.name);
        if (!read.warning.empty()) spdlog::warn("peer names: {}", read.warning);
        MergeDatabaseNames(read.names, yaml, iface);
      }
    }
    return iface;
  }

  void LoadPeers(
      const Entry& section, const std::map<std::string, std::string>& interface_labels,
      InterfaceConfig& iface, std::unordered_set<Key, KeyHash>& named_in_yaml,
      std::unordered_map<Key, std::map<std::string, std::string>, KeyHash>& yaml_labels) {
    if (!reader_.RequireListOrNull(section)) return;
    std::unordered_map<Key, int, KeyHash> peer_lines;
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const YAML::Node& node = section.value[i];
      const std::string where = section.path + "[" + std::to_string(i) + "]";
      if (node.IsNull()) reader_.Fail(section.value, where + ": the list item is empty");
      if (!node.IsMap()) {
        reader_.Fail(node, where + ": a peer must be a mapping with at least a public_key, got " +
                               TypeName(node));
      }
      std::optional<Entry> key_entry, name_entry, labels_entry;
      reader_.ForEachEntry(node, where + ".", where, {"public_key", "name", "labels"},
                           [&](Entry entry) {
                             if (entry.key == "public_key")
                               key_entry.emplace(std::move(entry));
                             else if (entry.key == "name")
                               name_entry.emplace(std::move(entry));
                             else
                               labels_entry.emplace(std::move(entry));
                           });
      if (!key_entry) reader_.Fail(node, where + ": a peer needs a public_key");
      const std::string key_text = reader_.String(*key_entry);
      const std::optional<Key> key = Key::FromBase64(key_text);
      if (!key) {
        // The text is not echoed: whatever it is, it is not a public key,
        // and it might be a mistyped private one.
        reader_.Fail(*key_entry,
                     "not a WireGuard public key: expected 44 characters of canonical base64 "
                     "(32 bytes), got " +
                         std::to_string(key_text.size()) + " characters");
      }
      const int line = key_entry->value.Mark().line + 1;
      const auto [seen, inserted] = peer_lines.emplace(*key, line);
      if (!inserted) {
        reader_.Fail(*key_entry, "peer " + key_text + " is listed twice in interface " +
                                     Quoted(iface.name) + " (first on line " +
                                     std::to_string(seen->second) + ")");
      }

      PeerConfig peer;
      if (name_entry) {
        peer.name = reader_.String(*name_entry);
        named_in_yaml.insert(*key);
      }
      std::map<std::string, std::string> labels = interface_labels;
      if (labels_entry) {
        std::map<std::string, std::string>& own = yaml_labels[*key];
        own = LabelMap(*labels_entry);
        for (const auto& [label, value] : own) labels[label] = value;
      }
      peer.labels = ToLabels(labels);
      iface.peers.emplace(*key, std::move(peer));
    }
  }

  bool IsExcluded(const std::string& name) const {
    return std::any_of(config_->exclude.begin(), config_->exclude.end(), [&](const std::string& p) {
      return fnmatch(p.c_str(), name.c_str(), 0) == 0;
    });
  }

  // Unlisted interfaces that discovery may export get names from DIR/NAME.conf.
  void LoadDiscoveredPeerNames() {
    if (!config_->discover) return;
    std::vector<std::string> names;
    std::error_code error;
    for (std::filesystem::directory_iterator it(*wg_quick_directory_, error), end;
         !error && it != end; it.increment(error)) {
      const std::string file_name = it->path().filename().string();
      constexpr std::string_view kSuffix = ".conf";
      if (file_name.size() <= kSuffix.size() ||
          file_name.compare(file_name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
        continue;
      }
      std::string name = file_name.substr(0, file_name.size() - kSuffix.size());
      if (InterfaceNameProblem(name) || config_->Find(name) != nullptr || IsExcluded(name)) {
        continue;
      }
      std::error_code type_error;
      if (!it->is_regular_file(type_error)) continue;
      names.push_back(std::move(name));
    }
    if (error) {
      reader_.Fail(*wg_quick_directory_entry_,
                   Quoted(*wg_quick_directory_) + " cannot be listed: " + error.message());
    }
    std::sort(names.begin(), names.end());  // the same file fails first every time
    PeerFileReader files(reader_, sources_);
    for (const std::string& name : names) {
      auto details =
          files.ReadFile((std::filesystem::path(*wg_quick_directory_) / (name + ".conf")).string(),
                         /*required=*/false, *wg_quick_directory_entry_, name);
      if (!details || details->empty()) continue;
      PeerConfigs& peers = config_->discovered_peers[name];
      for (auto& [key, comments] : *details) {
        PeerConfig& peer = peers[key];
        if (comments.name) peer.name = std::move(*comments.name);
        peer.labels = std::move(comments.labels);
      }
    }
  }

  YamlReader reader_;
  std::vector<FileStamp>& sources_;
  std::shared_ptr<Config> config_;
  std::optional<std::string> wg_quick_directory_;
  std::optional<Entry> wg_quick_directory_entry_;
};

LoadResult LoadWithSources(std::string_view yaml, const std::string& file_name,
                           std::vector<FileStamp>& sources) {
  try {
    std::shared_ptr<Config> config = Loader(file_name, sources).Load(yaml);
    config->sources = sources;
    return std::shared_ptr<const Config>(std::move(config));
  } catch (const LoadFailure& failure) {
    return failure.error();
  } catch (const YAML::Exception& e) {
    ConfigError error{file_name, 0, 0, "YAML error: " + e.msg};
    if (!e.mark.is_null()) {
      error.line = e.mark.line + 1;
      error.column = e.mark.column + 1;
    }
    return error;
  } catch (const std::exception& e) {
    return ConfigError{file_name, 0, 0, std::string("cannot load the configuration: ") + e.what()};
  }
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  out += ": ";
  out += message;
  return out;
}

LoadResult LoadConfigFromString(std::string_view yaml, const std::string& file_name) {
  std::vector<FileStamp> sources;
  return LoadWithSources(yaml, file_name, sources);
}

LoadResult LoadConfigFromFile(const std::string& path, std::vector<FileStamp>& attempted) {
  attempted.clear();
  std::string text;
  FileReadResult read = ReadRegularFile(path, kMaxFileSize, text);
  attempted.push_back(read.stamp);
  if (!read.ok()) {
    return ConfigError{path, 0, 0, "cannot read the configuration file: " + read.error};
  }
  return LoadWithSources(text, path, attempted);
}

LoadResult LoadConfigFromFile(const std::string& path) {
  std::vector<FileStamp> attempted;
  return LoadConfigFromFile(path, attempted);
}

std::shared_ptr<const Config> DefaultConfig() {
  static const std::shared_ptr<const Config> kDefaults = std::make_shared<const Config>();
  return kDefaults;
}

}  // namespace wgx
