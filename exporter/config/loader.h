// YAML text -> validated Config, or an error that says where and why.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "exporter/config/config.h"

namespace wgx {

struct ConfigError {
  std::string file;  // path, or a name such as "<string>"
  int line = 0;      // 1-based; 0 when the error is about the whole file
  int column = 0;    // 1-based; 0 when unknown
  std::string message;

  // "FILE:LINE:COLUMN: MESSAGE" (LINE/COLUMN left out when 0).
  std::string ToString() const;
};

using LoadResult = std::variant<std::shared_ptr<const Config>, ConfigError>;

// Parses and validates `yaml`; `file_name` is used in errors and to resolve
// relative wg-quick paths. Reads wg-quick files the YAML names.
LoadResult LoadConfigFromString(std::string_view yaml, const std::string& file_name);

// Reads `path` (must be a regular file) and loads it. Records FileStamps of
// every file read into Config::sources.
LoadResult LoadConfigFromFile(const std::string& path);

// The same, and fills `attempted` with the stamps of every file and directory
// it looked at, also when the load fails, so a caller can tell when another
// attempt is worthwhile (ConfigStore re-parses a bad file only once it changes).
LoadResult LoadConfigFromFile(const std::string& path, std::vector<FileStamp>& attempted);

// The built-in defaults (no file): discover everything, 3m threshold, 2s timeout.
std::shared_ptr<const Config> DefaultConfig();

}  // namespace wgx
