#include "exporter/metrics/process_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>
#include <utility>
#include <vector>

#include "exporter/metrics/families.h"
#include "exporter/metrics/text.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

// A /proc file is generated as it is read, so its size is unknown until the
// read returns 0. Bounded: none of the files read here comes near it.
std::optional<std::string> ReadProcFile(const std::string& path) {
  constexpr std::size_t kLimit = std::size_t{1} << 20;
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  char buf[4096];
  while (text.size() < kLimit) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Whitespace-separated words of `text`.
std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::optional<std::size_t> CountOpenFds(const std::string& fd_dir) {
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return std::nullopt;
  std::size_t count = 0;
  // One thread reads this stream; readdir_r is deprecated.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++count;
  }
  ::closedir(dir);
  // Like the Go and Python clients, the count includes the descriptor that
  // listed the directory.
  return count;
}

std::optional<double> BootTimeFromClocks() {
  timespec real{};
  timespec boot{};
  if (::clock_gettime(CLOCK_REALTIME, &real) != 0 || ::clock_gettime(CLOCK_BOOTTIME, &boot) != 0) {
    return std::nullopt;
  }
  // Whole seconds, as the kernel writes btime.
  const double real_s = static_cast<double>(real.tv_sec) + static_cast<double>(real.tv_nsec) / 1e9;
  const double boot_s = static_cast<double>(boot.tv_sec) + static_cast<double>(boot.tv_nsec) / 1e9;
  return std::floor(real_s - boot_s);
}

void AppendSample(std::string& out, const Family& family, const std::optional<double>& value,
                  ExpositionFormat format) {
  AppendFamilyHeader(out, family, format);
  if (!value) return;
  out.append(family.name);
  out.push_back(' ');
  AppendDouble(out, *value);
  out.push_back('\n');
}

}  // namespace

bool ParseProcStat(std::string_view text, double ticks_per_second, double page_size,
                   std::optional<double> boot_time_seconds, ProcessStats& out) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return false;
  // After the name: state (field 3 of proc(5)), ppid (4), ... so field N is
  // words[N - 3].
  const std::vector<std::string_view> words = Words(text.substr(close + 1));
  auto field = [&words](std::size_t number) -> std::optional<std::uint64_t> {
    if (number < 3 || number - 3 >= words.size()) return std::nullopt;
    return ParseUnsigned(words[number - 3]);
  };
  const auto utime = field(14);
  const auto stime = field(15);
  const auto starttime = field(22);
  const auto vsize = field(23);
  const auto rss = field(24);
  if (!utime || !stime || !starttime || !vsize || !rss) return false;
  out.cpu_seconds = static_cast<double>(*utime + *stime) / ticks_per_second;
  out.virtual_memory_bytes = static_cast<double>(*vsize);
  out.resident_memory_bytes = static_cast<double>(*rss) * page_size;
  if (boot_time_seconds) {
    out.start_time_seconds =
        *boot_time_seconds + static_cast<double>(*starttime) / ticks_per_second;
  }
  return true;
}

void ParseProcLimits(std::string_view text, ProcessStats& out) {
  auto soft_limit = [&text](std::string_view title) -> std::optional<double> {
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line = text.substr(at, end - at);
      at = end + 1;
      if (line.substr(0, title.size()) != title) continue;
      // "Max open files            1024                 524288               files"
      const std::vector<std::string_view> words = Words(line.substr(title.size()));
      if (words.empty()) return std::nullopt;
      if (words[0] == "unlimited") {
        return static_cast<double>(std::numeric_limits<std::uint64_t>::max());
      }
      const auto value = ParseUnsigned(words[0]);
      if (!value) return std::nullopt;
      return static_cast<double>(*value);
    }
    return std::nullopt;
  };
  out.max_fds = soft_limit("Max open files");
  out.virtual_memory_max_bytes = soft_limit("Max address space");
}

std::optional<double> ParseBootTime(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.substr(0, 6) != "btime ") continue;
    const auto value = ParseUnsigned(line.substr(6));
    if (!value) return std::nullopt;
    return static_cast<double>(*value);
  }
  return std::nullopt;
}

ProcessReader::ProcessReader(std::string process_dir, const std::string& proc_stat)
    : process_dir_(std::move(process_dir)),
      ticks_per_second_(static_cast<double>(::sysconf(_SC_CLK_TCK))),
      page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))) {
  if (const auto stat = ReadProcFile(proc_stat)) boot_time_seconds_ = ParseBootTime(*stat);
  if (!boot_time_seconds_) boot_time_seconds_ = BootTimeFromClocks();
}

ProcessStats ProcessReader::Read() const {
  ProcessStats stats;
  if (const auto stat = ReadProcFile(process_dir_ + "/stat")) {
    ParseProcStat(*stat, ticks_per_second_, page_size_, boot_time_seconds_, stats);
  }
  if (const auto limits = ReadProcFile(process_dir_ + "/limits")) ParseProcLimits(*limits, stats);
  if (const auto fds = CountOpenFds(process_dir_ + "/fd")) {
    stats.open_fds = static_cast<double>(*fds);
  }
  return stats;
}

void AppendProcessFamilies(std::string& out, const ProcessStats& stats, ExpositionFormat format) {
  // In name order, as the client libraries' registries write them.
  AppendSample(out, families::kProcessCpu, stats.cpu_seconds, format);
  AppendSample(out, families::kProcessMaxFds, stats.max_fds, format);
  AppendSample(out, families::kProcessOpenFds, stats.open_fds, format);
  AppendSample(out, families::kProcessResidentMemory, stats.resident_memory_bytes, format);
  AppendSample(out, families::kProcessStartTime, stats.start_time_seconds, format);
  AppendSample(out, families::kProcessVirtualMemory, stats.virtual_memory_bytes, format);
  AppendSample(out, families::kProcessVirtualMemoryMax, stats.virtual_memory_max_bytes, format);
}

}  // namespace wgx
