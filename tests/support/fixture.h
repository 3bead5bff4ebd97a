// Reading the files tests compare against: fixtures under tests/data
// (WGX_TEST_DATA_DIR, set by tests/CMakeLists.txt) and files of the source tree.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace wgx::testing {

// The whole file, byte for byte; a test failure and "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// tests/data/`relative_path`, e.g. "uapi/fresh_peer.txt".
inline std::string ReadFixture(const std::string& relative_path) {
  return ReadFile(std::string(WGX_TEST_DATA_DIR) + "/" + relative_path);
}

}  // namespace wgx::testing
