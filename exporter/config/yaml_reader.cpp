#include "exporter/config/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <variant>

#include "exporter/config/duration.h"
#include "exporter/config/name_checks.h"

namespace wgx {
namespace {

using std::chrono::milliseconds;

// Counts the documents of a YAML text, building nothing.
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

}  // namespace

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

std::optional<YAML::Mark> SecondDocumentStart(std::string_view yaml) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentCounter counter;
  int documents = 0;
  while (documents < 2 && parser.HandleNextDocument(counter)) ++documents;
  if (documents < 2) return std::nullopt;
  return counter.last_start;
}

YamlReader::YamlReader(std::string file_name)
    : file_name_(std::move(file_name)),
      base_directory_(std::filesystem::path(file_name_).parent_path()) {}

ConfigError YamlReader::ErrorAt(const YAML::Mark& mark, std::string message) const {
  ConfigError error;
  error.file = file_name_;
  if (!mark.is_null()) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  error.message = std::move(message);
  return error;
}

void YamlReader::Fail(const YAML::Node& node, std::string message) const {
  throw LoadFailure(ErrorAt(node.Mark(), std::move(message)));
}

void YamlReader::Fail(const Entry& entry, const std::string& message) const {
  Fail(entry.value.IsNull() ? entry.key_node : entry.value, entry.path + ": " + message);
}

void YamlReader::ForEachEntry(const YAML::Node& map, const std::string& prefix,
                              const std::string& where, std::span<const std::string_view> allowed,
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
      Fail(key_node,
           "unknown key " + Quoted(key) + " in " + where + "; allowed keys: " + JoinNames(allowed));
    }
    const auto [seen, inserted] = seen_lines.emplace(key, key_node.Mark().line + 1);
    if (!inserted) {
      Fail(key_node, "duplicate key " + Quoted(key) + " in " + where + " (first on line " +
                         std::to_string(seen->second) + ")");
    }
    handle(Entry{key, key_node, value, prefix + key});
  }
}

bool YamlReader::RequireMapOrNull(const Entry& entry) const {
  if (entry.value.IsNull()) return false;
  if (!entry.value.IsMap()) Fail(entry, "must be a mapping, got " + TypeName(entry.value));
  return true;
}

bool YamlReader::RequireListOrNull(const Entry& entry) const {
  if (entry.value.IsNull()) return false;
  if (!entry.value.IsSequence()) Fail(entry, "must be a list, got " + TypeName(entry.value));
  return true;
}

std::string YamlReader::String(const Entry& entry) const {
  if (!entry.value.IsScalar()) {
    Fail(entry, "must be a single value, got " + TypeName(entry.value));
  }
  return entry.value.Scalar();
}

bool YamlReader::Bool(const Entry& entry) const {
  // Plain true/false only: YAML 1.1 spellings such as "yes" or "on" and a
  // quoted "true" are more likely mistakes than intent.
  if (entry.value.IsScalar() && entry.value.Tag() == "?") {
    const std::string& text = entry.value.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  Fail(entry, "must be true or false, got " + TypeName(entry.value));
}

milliseconds YamlReader::Duration(const Entry& entry) const {
  if (!entry.value.IsScalar()) {
    Fail(entry, "must be a duration such as 90s, 3m or 1h30m, got " + TypeName(entry.value));
  }
  DurationParseResult parsed = ParseDuration(entry.value.Scalar());
  if (auto* problem = std::get_if<std::string>(&parsed)) Fail(entry, *problem);
  return std::get<milliseconds>(parsed);
}

std::string YamlReader::PathValue(const Entry& entry) const {
  const std::string text = String(entry);
  if (text.empty()) Fail(entry, "must not be empty");
  std::filesystem::path path(text);
  // Relative paths are relative to the YAML file, not to the working
  // directory, so the same config works wherever the exporter is started.
  if (path.is_relative()) path = base_directory_ / path;
  return path.lexically_normal().string();
}

}  // namespace wgx
