#include "exporter/config/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/key.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

std::int64_t Nanoseconds(const struct timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

FileStamp StampFromStat(const std::string& path, const struct stat& st) {
  FileStamp stamp;
  stamp.path = path;
  stamp.exists = true;
  stamp.device = static_cast<std::uint64_t>(st.st_dev);
  stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  stamp.mode = static_cast<std::uint32_t>(st.st_mode);
  stamp.size = static_cast<std::int64_t>(st.st_size);
  stamp.mtime_ns = Nanoseconds(st.st_mtim);
  stamp.ctime_ns = Nanoseconds(st.st_ctim);
  return stamp;
}

FileStamp StampFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    FileStamp missing;
    missing.path = path;
    return missing;
  }
  return StampFromStat(path, st);
}

FileReadResult ReadRegularFile(const std::string& path, std::size_t max_size, std::string& text) {
  FileReadResult result;
  SecureWipe(text);
  text.clear();
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    result.error_number = errno;
    result.error = ErrnoText(result.error_number);
    result.stamp = StampFile(path);
    return result;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    result.error_number = errno;
    result.error = ErrnoText(result.error_number);
    result.stamp = StampFile(path);
    return result;
  }
  result.stamp = StampFromStat(path, st);
  if (S_ISDIR(st.st_mode)) {
    result.error = "is a directory, not a file";
    return result;
  }
  if (!S_ISREG(st.st_mode)) {
    result.error = "is not a regular file";
    return result;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    result.error = "is larger than " + std::to_string(max_size) + " bytes";
    return result;
  }

  // One spare byte lets a read that returns 0 confirm the end of the file
  // without a second allocation in the common case.
  std::string buffer(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t length = 0;
  for (;;) {
    if (length == buffer.size()) {
      if (buffer.size() > max_size) {
        SecureWipe(buffer);
        result.error = "is larger than " + std::to_string(max_size) + " bytes";
        return result;
      }
      std::string bigger(buffer.size() * 2, '\0');
      std::memcpy(bigger.data(), buffer.data(), length);
      SecureWipe(buffer);
      buffer.swap(bigger);
    }
    const ssize_t n = ::read(fd.get(), buffer.data() + length, buffer.size() - length);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.error_number = errno;
      result.error = ErrnoText(result.error_number);
      SecureWipe(buffer);
      return result;
    }
    if (n == 0) break;
    length += static_cast<std::size_t>(n);
  }
  buffer.resize(length);  // shrinking never reallocates
  text.swap(buffer);
  return result;
}

}  // namespace wgx
