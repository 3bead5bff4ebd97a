// Reading configuration files whole, with the stat() identity they were read at.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

#include "exporter/config/config.h"

namespace wgx {

struct FileReadResult {
  // Identity of the file read (from fstat of the open descriptor, so it
  // matches the bytes read); of the path itself when it could not be opened.
  FileStamp stamp;
  int error_number = 0;  // errno of a failure; 0 on success or for non-errno failures
  std::string error;     // why the file could not be read; empty on success
  bool ok() const { return error.empty(); }
};

// Reads the regular file `path` whole into `text` (replacing its content).
// Refuses directories and other non-regular files and anything larger than
// `max_size`. The buffer grows without leaving unwiped copies behind, so a
// caller reading a secret (a wg-quick file holds a PrivateKey) only has to
// SecureWipe(text) when done.
FileReadResult ReadRegularFile(const std::string& path, std::size_t max_size, std::string& text);

// stat() of `path` (exists=false when it cannot be stat'ed).
FileStamp StampFile(const std::string& path);

FileStamp StampFromStat(const std::string& path, const struct stat& st);

}  // namespace wgx
