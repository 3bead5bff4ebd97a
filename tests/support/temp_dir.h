// A scratch directory for one test, removed with everything in it afterwards.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace wgx::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "wgx-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern << " failed";
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    // A test may have made the directory unreadable to see how that fails.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

  // Overwrites in place (truncate, then write), as many editors and `>` do.
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream out(Path(name), std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) ADD_FAILURE() << "cannot write " << Path(name);
  }

  // Writes a sibling and renames it over `name`: readers see old or new, never a mix.
  void WriteAtomically(const std::string& name, const std::string& content) const {
    const std::string temporary = Path("." + name + ".tmp");
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << content;
      out.close();
      if (!out) ADD_FAILURE() << "cannot write " << temporary;
    }
    std::error_code error;
    std::filesystem::rename(temporary, Path(name), error);
    if (error) ADD_FAILURE() << "cannot rename to " << Path(name) << ": " << error.message();
  }

 private:
  std::string path_;
};

}  // namespace wgx::testing
