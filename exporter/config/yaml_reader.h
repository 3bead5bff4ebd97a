// Walking a configuration's YAML tree: typed values, mappings with known keys,
// and errors that point at the line and column they are about. The loader's
// own tool; the error texts are part of what an operator sees.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "exporter/config/loader.h"

namespace wgx {

// Thrown while loading only; LoadConfigFromString turns it into a value.
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

// What a node is, for "got ..." in messages.
std::string TypeName(const YAML::Node& node);

// Where a second YAML document starts, if the text holds more than one.
std::optional<YAML::Mark> SecondDocumentStart(std::string_view yaml);

// Reads values out of the tree of one file; every refusal throws LoadFailure.
class YamlReader {
 public:
  // `file_name` names the file in errors, and relative paths are taken
  // relative to its directory.
  explicit YamlReader(std::string file_name);

  const std::string& file_name() const { return file_name_; }

  ConfigError ErrorAt(const YAML::Mark& mark, std::string message) const;
  [[noreturn]] void Fail(const YAML::Node& node, std::string message) const;
  // A value left empty ("key:" and nothing) has no position of its own in
  // yaml-cpp (it reports the next token's), so this points at its key instead.
  [[noreturn]] void Fail(const Entry& entry, const std::string& message) const;

  // Calls `handle` for each entry of `map` in file order, after refusing keys
  // that are not plain names, not `allowed` or given twice. `prefix` starts
  // each entry's path; `where` names the mapping in messages.
  void ForEachEntry(const YAML::Node& map, const std::string& prefix, const std::string& where,
                    std::span<const std::string_view> allowed,
                    const std::function<void(Entry)>& handle) const;
  void ForEachEntry(const YAML::Node& map, const std::string& prefix, const std::string& where,
                    std::initializer_list<std::string_view> allowed,
                    const std::function<void(Entry)>& handle) const {
    ForEachEntry(map, prefix, where, std::span(allowed.begin(), allowed.size()), handle);
  }

  // Sections that may be left empty ("defaults:" with nothing) mean "no
  // settings": false for an empty one, true for one of the right kind.
  bool RequireMapOrNull(const Entry& entry) const;
  bool RequireListOrNull(const Entry& entry) const;

  std::string String(const Entry& entry) const;
  bool Bool(const Entry& entry) const;
  std::chrono::milliseconds Duration(const Entry& entry) const;
  // A non-empty path, made absolute against the file's directory and normalised.
  std::string PathValue(const Entry& entry) const;

 private:
  std::string file_name_;
  std::filesystem::path base_directory_;
};

}  // namespace wgx
