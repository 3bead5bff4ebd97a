#include "exporter/config/loader.h"

#include <fnmatch.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "exporter/config/duration.h"
#include "exporter/config/file_util.h"
#include "exporter/config/wg_quick.h"

namespace wgx {
namespace {

using std::chrono::milliseconds;

// Far beyond any real configuration (100,000 peers with names and labels are
// about 15 MB), small enough that a wrong path cannot exhaust memory.
constexpr std::size_t kMaxFileSize = 64u << 20;
constexpr milliseconds kMaxReadTimeout{60'000};

// Labels the exporter writes itself, and the ones Prometheus attaches on
// ingestion or uses in histograms and summaries.
constexpr auto kReservedLabels = [] {
  std::array<std::string_view, kExporterLabelNames.size() + kPrometheusLabelNames.size()> all{};
  std::copy(kExporterLabelNames.begin(), kExporterLabelNames.end(), all.begin());
  std::copy(kPrometheusLabelNames.begin(), kPrometheusLabelNames.end(),
            all.begin() + kExporterLabelNames.size());
  return all;
}();

constexpr std::array<std::string_view, 6> kTopLevelKeys{"defaults", "discover", "exclude",
                                                        "wg_quick", "metrics",  "interfaces"};

// The names metrics.disable accepts, in kMetricToggles' order.
constexpr auto kMetricToggleNames = [] {
  std::array<std::string_view, kMetricToggles.size()> names{};
  for (std::size_t i = 0; i < kMetricToggles.size(); ++i) names[i] = kMetricToggles[i].name;
  return names;
}();

constexpr std::array<std::string_view, 12> kCharacterClasses{"alnum", "alpha", "blank", "cntrl",
                                                             "digit", "graph", "lower", "print",
                                                             "punct", "space", "upper", "xdigit"};

template <typename Range>
std::string JoinNames(const Range& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out.append(name);
  }
  return out;
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out += '"';
  return out;
}

// Thrown inside the loader only; LoadConfigFromString turns it into a value.
class LoadFailure : public std::exception {
 public:
  explicit LoadFailure(ConfigError error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return "configuration error"; }
  const ConfigError& error() const { return error_; }

 private:
  ConfigError error_;
};

// One "key: value" of a mapping, with where it was written. Members are const
// because YAML::Node's assignment may throw: entries are only constructed.
struct Entry {
  const std::string key;
  const YAML::Node key_node;
  const YAML::Node value;
  const std::string path;  // "interfaces[0].read_timeout", for messages
};

std::string TypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a single value (" + Quoted(node.Scalar()) + ")";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
  }
  return "an unknown node";
}

std::optional<std::string> InterfaceNameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 15) return "is longer than 15 characters, the kernel's limit";
  if (name == "." || name == "..") return "must not be \".\" or \"..\"";
  for (char c : name) {
    if (c == '/') return "must not contain '/'";
    if (c == ':') return "must not contain ':'";
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "must not contain whitespace or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> LabelNameProblem(std::string_view name) {
  const auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  if (name.empty() || !is_start(name.front()) ||
      !std::all_of(name.begin() + 1, name.end(), is_rest)) {
    return "is not a valid label name (it must match [a-zA-Z_][a-zA-Z0-9_]*)";
  }
  if (name.substr(0, 2) == "__") return "starts with \"__\", which Prometheus reserves for itself";
  if (std::find(kReservedLabels.begin(), kReservedLabels.end(), name) != kReservedLabels.end()) {
    return "collides with a label the exporter or Prometheus sets itself (reserved: " +
           JoinNames(kReservedLabels) + ")";
  }
  return std::nullopt;
}

// fnmatch() reports no pattern errors (a stray '[' silently matches itself),
// so patterns that are almost certainly typos are refused here.
std::optional<std::string> GlobProblem(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '/') return "contains '/', which no interface name can contain";
    if (c == '\\') {
      if (i + 1 == pattern.size()) return "ends with a lone '\\'";
      ++i;
      continue;
    }
    if (c != '[') continue;
    std::size_t j = i + 1;
    if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) ++j;
    if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is literal
    bool closed = false;
    while (j < pattern.size()) {
      if (pattern[j] == ']') {
        closed = true;
        break;
      }
      if (pattern.substr(j, 2) == "[:") {
        const std::size_t end = pattern.find(":]", j + 2);
        if (end == std::string_view::npos) break;
        const std::string_view cls = pattern.substr(j + 2, end - j - 2);
        if (std::find(kCharacterClasses.begin(), kCharacterClasses.end(), cls) ==
            kCharacterClasses.end()) {
          return "uses the unknown character class [:" + std::string(cls) + ":]";
        }
        j = end + 2;
        continue;
      }
      ++j;
    }
    if (!closed) return "has a '[' without its closing ']'";
    i = j;
  }
  return std::nullopt;
}

// Where a second YAML document starts, if the text holds more than one.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last_start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark last_start = YAML::Mark::null_mark();
};

std::optional<YAML::Mark> SecondDocumentStart(std::string_view yaml) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentCounter counter;
  int documents = 0;
  while (documents < 2 && parser.HandleNextDocument(counter)) ++documents;
  if (documents < 2) return std::nullopt;
  return counter.last_start;
}

class Loader {
 public:
  Loader(std::string file_name, std::vector<FileStamp>& sources)
      : file_name_(std::move(file_name)),
        base_directory_(std::filesystem::path(file_name_).parent_path()),
        sources_(sources) {}

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
      throw LoadFailure(ErrorAt(e.mark, "YAML syntax error: " + e.msg));
    }
    config_ = std::make_shared<Config>();
    if (second_document) {
      throw LoadFailure(ErrorAt(*second_document,
                                "the file holds more than one YAML document; put everything in "
                                "one"));
    }
    if (!root || root.IsNull()) return config_;  // empty file: defaults
    if (!root.IsMap()) {
      Fail(root, "the configuration must be a mapping with the keys " + JoinNames(kTopLevelKeys) +
                     ", got " + TypeName(root));
    }

    std::map<std::string, Entry> top;
    ForEachEntry(root, "", "the top level", kTopLevelKeys,
                 [&](Entry entry) { top.emplace(entry.key, std::move(entry)); });

    // Defaults first, whatever the order in the file: interfaces inherit them.
    if (auto it = top.find("defaults"); it != top.end()) LoadDefaults(it->second);
    if (auto it = top.find("discover"); it != top.end()) config_->discover = Bool(it->second);
    if (auto it = top.find("exclude"); it != top.end()) LoadExclude(it->second);
    if (auto it = top.find("metrics"); it != top.end()) LoadMetrics(it->second);
    if (auto it = top.find("wg_quick"); it != top.end()) LoadWgQuickSection(it->second);
    if (auto it = top.find("interfaces"); it != top.end()) LoadInterfaces(it->second);
    if (wg_quick_directory_) LoadDiscoveredPeerNames();
    return config_;
  }

 private:
  ConfigError ErrorAt(const YAML::Mark& mark, std::string message) const {
    ConfigError error;
    error.file = file_name_;
    if (!mark.is_null()) {
      error.line = mark.line + 1;
      error.column = mark.column + 1;
    }
    error.message = std::move(message);
    return error;
  }

  [[noreturn]] void Fail(const YAML::Node& node, std::string message) const {
    throw LoadFailure(ErrorAt(node.Mark(), std::move(message)));
  }

  // A value left empty ("key:" and nothing) has no position of its own in
  // yaml-cpp (it reports the next token's), so point at its key instead.
  [[noreturn]] void Fail(const Entry& entry, const std::string& message) const {
    Fail(entry.value.IsNull() ? entry.key_node : entry.value, entry.path + ": " + message);
  }

  void ForEachEntry(const YAML::Node& map, const std::string& prefix, const std::string& where,
                    std::span<const std::string_view> allowed,
                    const std::function<void(Entry)>& handle) const {
    std::map<std::string, int> seen_lines;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator hands out a temporary pair (Nodes are handles).
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      if (!key_node.IsScalar()) {
        Fail(key_node, "keys in " + where + " must be plain names, got " + TypeName(key_node));
      }
      const std::string& key = key_node.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(key_node, "unknown key " + Quoted(key) + " in " + where +
                           "; allowed keys: " + JoinNames(allowed));
      }
      const auto [seen, inserted] = seen_lines.emplace(key, key_node.Mark().line + 1);
      if (!inserted) {
        Fail(key_node, "duplicate key " + Quoted(key) + " in " + where + " (first on line " +
                           std::to_string(seen->second) + ")");
      }
      handle(Entry{key, key_node, value, prefix + key});
    }
  }

  void ForEachEntry(const YAML::Node& map, const std::string& prefix, const std::string& where,
                    std::initializer_list<std::string_view> allowed,
                    const std::function<void(Entry)>& handle) const {
    ForEachEntry(map, prefix, where, std::span(allowed.begin(), allowed.size()), handle);
  }

  // Sections that may be left empty ("defaults:" with nothing) mean "no settings".
  bool RequireMapOrNull(const Entry& entry) const {
    if (entry.value.IsNull()) return false;
    if (!entry.value.IsMap()) Fail(entry, "must be a mapping, got " + TypeName(entry.value));
    return true;
  }

  bool RequireListOrNull(const Entry& entry) const {
    if (entry.value.IsNull()) return false;
    if (!entry.value.IsSequence()) Fail(entry, "must be a list, got " + TypeName(entry.value));
    return true;
  }

  std::string String(const Entry& entry) const {
    if (!entry.value.IsScalar()) {
      Fail(entry, "must be a single value, got " + TypeName(entry.value));
    }
    return entry.value.Scalar();
  }

  bool Bool(const Entry& entry) const {
    // Plain true/false only: YAML 1.1 spellings such as "yes" or "on" and a
    // quoted "true" are more likely mistakes than intent.
    if (entry.value.IsScalar() && entry.value.Tag() == "?") {
      const std::string& text = entry.value.Scalar();
      if (text == "true" || text == "True" || text == "TRUE") return true;
      if (text == "false" || text == "False" || text == "FALSE") return false;
    }
    Fail(entry, "must be true or false, got " + TypeName(entry.value));
  }

  milliseconds Duration(const Entry& entry) const {
    if (!entry.value.IsScalar()) {
      Fail(entry, "must be a duration such as 90s, 3m or 1h30m, got " + TypeName(entry.value));
    }
    DurationParseResult parsed = ParseDuration(entry.value.Scalar());
    if (auto* problem = std::get_if<std::string>(&parsed)) Fail(entry, *problem);
    return std::get<milliseconds>(parsed);
  }

  milliseconds OnlineThreshold(const Entry& entry) const {
    const milliseconds value = Duration(entry);
    if (value <= milliseconds::zero()) Fail(entry, "must be greater than 0");
    return value;
  }

  milliseconds ReadTimeout(const Entry& entry) const {
    const milliseconds value = Duration(entry);
    if (value <= milliseconds::zero() || value > kMaxReadTimeout) {
      Fail(entry, "must be greater than 0 and at most " + FormatDuration(kMaxReadTimeout) +
                      ", got " + FormatDuration(value));
    }
    return value;
  }

  std::string PathValue(const Entry& entry) const {
    const std::string text = String(entry);
    if (text.empty()) Fail(entry, "must not be empty");
    std::filesystem::path path(text);
    // Relative paths are relative to the YAML file, not to the working
    // directory, so the same config works wherever the exporter is started.
    if (path.is_relative()) path = base_directory_ / path;
    return path.lexically_normal().string();
  }

  // Sorted by name, names checked; keys are unique because ForEachEntry
  // refuses duplicates.
  std::map<std::string, std::string> LabelMap(const Entry& entry) const {
    std::map<std::string, std::string> labels;
    if (!RequireMapOrNull(entry)) return labels;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      const YAML::Node name_node = it->first;
      const YAML::Node value_node = it->second;
      if (!name_node.IsScalar()) {
        Fail(name_node,
             entry.path + ": label names must be plain names, got " + TypeName(name_node));
      }
      const std::string& name = name_node.Scalar();
      if (auto problem = LabelNameProblem(name)) {
        Fail(name_node, entry.path + ": label " + Quoted(name) + " " + *problem);
      }
      const Entry value{name, name_node, value_node, entry.path + "." + name};
      if (!labels.emplace(name, String(value)).second) {
        Fail(name_node, entry.path + ": duplicate label " + Quoted(name));
      }
    }
    return labels;
  }

  static Labels ToLabels(const std::map<std::string, std::string>& labels) {
    return Labels(labels.begin(), labels.end());
  }

  void LoadDefaults(const Entry& section) {
    if (!RequireMapOrNull(section)) return;
    ForEachEntry(section.value, "defaults.", "defaults", {"online_threshold", "read_timeout"},
                 [&](const Entry& entry) {
                   if (entry.key == "online_threshold") {
                     config_->default_online_threshold = OnlineThreshold(entry);
                   } else {
                     config_->default_read_timeout = ReadTimeout(entry);
                   }
                 });
  }

  void LoadExclude(const Entry& section) {
    if (!RequireListOrNull(section)) return;
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const Entry item{"", section.key_node, section.value[i],
                       section.path + "[" + std::to_string(i) + "]"};
      if (item.value.IsNull()) Fail(section.value, item.path + ": the list item is empty");
      const std::string pattern = String(item);
      if (auto problem = GlobProblem(pattern)) {
        Fail(item, "pattern " + Quoted(pattern) + " " + *problem);
      }
      config_->exclude.push_back(pattern);
    }
  }

  void LoadMetrics(const Entry& section) {
    if (!RequireMapOrNull(section)) return;
    ForEachEntry(section.value, "metrics.", "metrics", {"disable"}, [&](const Entry& entry) {
      if (!RequireListOrNull(entry)) return;
      for (std::size_t i = 0; i < entry.value.size(); ++i) {
        const Entry item{"", entry.key_node, entry.value[i],
                         entry.path + "[" + std::to_string(i) + "]"};
        if (item.value.IsNull()) Fail(entry.value, item.path + ": the list item is empty");
        const std::string name = String(item);
        const auto toggle =
            std::find_if(kMetricToggles.begin(), kMetricToggles.end(),
                         [&](const MetricToggle& candidate) { return candidate.name == name; });
        if (toggle == kMetricToggles.end()) {
          Fail(item, "unknown metric group " + Quoted(name) +
                         "; allowed: " + JoinNames(kMetricToggleNames));
        }
        config_->metrics.*(toggle->field) = false;
      }
    });
  }

  void LoadWgQuickSection(const Entry& section) {
    if (!RequireMapOrNull(section)) return;
    ForEachEntry(section.value, "wg_quick.", "wg_quick", {"directory"}, [&](const Entry& entry) {
      wg_quick_directory_ = PathValue(entry);
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
      Fail(*wg_quick_directory_entry_, Quoted(*wg_quick_directory_) + " " + problem);
  }

  void LoadInterfaces(const Entry& section) {
    if (!RequireListOrNull(section)) return;
    std::map<std::string, int> interface_lines;
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const YAML::Node& node = section.value[i];
      const std::string where = section.path + "[" + std::to_string(i) + "]";
      if (node.IsNull()) Fail(section.value, where + ": the list item is empty");
      if (!node.IsMap()) {
        Fail(node, where + ": an interface must be a mapping with at least a name, got " +
                       TypeName(node));
      }
      InterfaceConfig iface = LoadInterface(node, where);
      const auto [seen, inserted] = interface_lines.emplace(iface.name, 0);
      if (!inserted) {
        Fail(node["name"], where + ".name: interface " + Quoted(iface.name) +
                               " is listed twice (first on line " + std::to_string(seen->second) +
                               ")");
      }
      seen->second = node["name"].Mark().line + 1;
      config_->interfaces.push_back(std::move(iface));
    }
  }

  InterfaceConfig LoadInterface(const YAML::Node& node, const std::string& where) {
    std::map<std::string, Entry> entries;
    ForEachEntry(node, where + ".", where,
                 {"name", "online_threshold", "read_timeout", "labels", "wg_quick_config", "peers"},
                 [&](Entry entry) { entries.emplace(entry.key, std::move(entry)); });
    const auto find = [&](const std::string& key) -> const Entry* {
      const auto it = entries.find(key);
      return it != entries.end() ? &it->second : nullptr;
    };

    InterfaceConfig iface;
    const Entry* name = find("name");
    if (name == nullptr) Fail(node, where + ": an interface needs a name");
    iface.name = String(*name);
    if (auto problem = InterfaceNameProblem(iface.name)) {
      Fail(*name, "interface name " + Quoted(iface.name) + " " + *problem);
    }
    iface.online_threshold = config_->default_online_threshold;
    iface.read_timeout = config_->default_read_timeout;
    if (const Entry* e = find("online_threshold")) iface.online_threshold = OnlineThreshold(*e);
    if (const Entry* e = find("read_timeout")) iface.read_timeout = ReadTimeout(*e);
    std::map<std::string, std::string> interface_labels;
    if (const Entry* e = find("labels")) interface_labels = LabelMap(*e);
    iface.labels = ToLabels(interface_labels);

    // Keys whose name the YAML gives (even an empty one): wg-quick never overrides these.
    std::unordered_set<Key, KeyHash> named_in_yaml;
    if (const Entry* e = find("peers")) {
      LoadPeers(*e, interface_labels, iface, named_in_yaml);
    }

    std::optional<PeerNames> wg_quick_names;
    if (const Entry* e = find("wg_quick_config")) {
      wg_quick_names = ReadWgQuickNames(PathValue(*e), /*required=*/true, *e, iface.name);
    } else if (wg_quick_directory_ && !IsExcluded(iface.name)) {
      wg_quick_names = ReadWgQuickNames(
          (std::filesystem::path(*wg_quick_directory_) / (iface.name + ".conf")).string(),
          /*required=*/false, *wg_quick_directory_entry_, iface.name);
    }
    if (wg_quick_names) {
      for (auto& [key, peer_name] : *wg_quick_names) {
        if (named_in_yaml.count(key) != 0) continue;
        auto [it, inserted] = iface.peers.try_emplace(key);
        it->second.name = std::move(peer_name);
        if (inserted) it->second.labels = iface.labels;
      }
    }
    return iface;
  }

  void LoadPeers(const Entry& section, const std::map<std::string, std::string>& interface_labels,
                 InterfaceConfig& iface, std::unordered_set<Key, KeyHash>& named_in_yaml) {
    if (!RequireListOrNull(section)) return;
    std::unordered_map<Key, int, KeyHash> peer_lines;
    for (std::size_t i = 0; i < section.value.size(); ++i) {
      const YAML::Node& node = section.value[i];
      const std::string where = section.path + "[" + std::to_string(i) + "]";
      if (node.IsNull()) Fail(section.value, where + ": the list item is empty");
      if (!node.IsMap()) {
        Fail(node, where + ": a peer must be a mapping with at least a public_key, got " +
                       TypeName(node));
      }
      std::optional<Entry> key_entry, name_entry, labels_entry;
      ForEachEntry(node, where + ".", where, {"public_key", "name", "labels"}, [&](Entry entry) {
        if (entry.key == "public_key")
          key_entry.emplace(std::move(entry));
        else if (entry.key == "name")
          name_entry.emplace(std::move(entry));
        else
          labels_entry.emplace(std::move(entry));
      });
      if (!key_entry) Fail(node, where + ": a peer needs a public_key");
      const std::string key_text = String(*key_entry);
      const std::optional<Key> key = Key::FromBase64(key_text);
      if (!key) {
        // The text is not echoed: whatever it is, it is not a public key,
        // and it might be a mistyped private one.
        Fail(*key_entry,
             "not a WireGuard public key: expected 44 characters of canonical base64 "
             "(32 bytes), got " +
                 std::to_string(key_text.size()) + " characters");
      }
      const int line = key_entry->value.Mark().line + 1;
      const auto [seen, inserted] = peer_lines.emplace(*key, line);
      if (!inserted) {
        Fail(*key_entry, "peer " + key_text + " is listed twice in interface " +
                             Quoted(iface.name) + " (first on line " +
                             std::to_string(seen->second) + ")");
      }

      PeerConfig peer;
      if (name_entry) {
        peer.name = String(*name_entry);
        named_in_yaml.insert(*key);
      }
      std::map<std::string, std::string> labels = interface_labels;
      if (labels_entry) {
        for (auto& [label, value] : LabelMap(*labels_entry)) labels[label] = std::move(value);
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

  // Names from one wg-quick file, or nullopt when an optional file is absent.
  std::optional<PeerNames> ReadWgQuickNames(const std::string& path, bool required,
                                            const Entry& where_named,
                                            const std::string& interface_name) {
    std::string text;
    FileReadResult read = ReadRegularFile(path, kMaxFileSize, text);
    // Recorded even when missing, so its creation triggers a reload.
    sources_.push_back(read.stamp);
    if (!read.ok()) {
      if (!required && read.error_number == ENOENT) return std::nullopt;
      Fail(where_named, "cannot read wg-quick file " + Quoted(path) + " of interface " +
                            Quoted(interface_name) + ": " + read.error);
    }
    auto parsed = ParseWgQuickPeerNames(text);
    // The file holds the interface's PrivateKey: no copy outlives the parse.
    SecureWipe(text);
    // Visited rather than taken apart with get_if/get: GCC 12 at -O3 warns
    // (-Wfree-nonheap-object, falsely) about the variant's destructor on the
    // throwing path otherwise.
    return std::visit(
        [&](auto&& result) -> PeerNames {
          if constexpr (std::is_same_v<std::decay_t<decltype(result)>, WgQuickParseError>) {
            ConfigError error;
            error.file = path;
            error.line = result.line;
            error.message = result.message + " (wg-quick file of interface " +
                            Quoted(interface_name) + ", named by " + file_name_ + ")";
            throw LoadFailure(std::move(error));
          } else {
            return std::forward<decltype(result)>(result);
          }
        },
        std::move(parsed));
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
      Fail(*wg_quick_directory_entry_,
           Quoted(*wg_quick_directory_) + " cannot be listed: " + error.message());
    }
    std::sort(names.begin(), names.end());  // the same file fails first every time
    for (const std::string& name : names) {
      auto peer_names = ReadWgQuickNames(
          (std::filesystem::path(*wg_quick_directory_) / (name + ".conf")).string(),
          /*required=*/false, *wg_quick_directory_entry_, name);
      if (!peer_names || peer_names->empty()) continue;
      PeerConfigs& peers = config_->discovered_peers[name];
      for (auto& [key, peer_name] : *peer_names) peers[key].name = std::move(peer_name);
    }
  }

  std::string file_name_;
  std::filesystem::path base_directory_;
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
