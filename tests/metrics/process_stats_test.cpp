// The process_* figures: parsed from /proc text (names with spaces and
// parentheses, unlimited limits), and read from this test process itself,
// checked against what the process knows of itself by other means.
#include "exporter/metrics/process_stats.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "exporter/metrics/families.h"

namespace wgx {
namespace {

using ::testing::HasSubstr;

// Fields 1 to 24 of proc(5) for a process named "my (odd) name", then the
// rest of a real line.
constexpr char kStat[] =
    "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 5 0 "
    "250 75 0 0 20 0 3 0 123456 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
    "1 0 0 0 0 0\n";

TEST(ProcessStatsTest, ParsesStatAfterTheLastParenthesis) {
  ProcessStats stats;
  ASSERT_TRUE(ParseProcStat(kStat, 100, 4096, 1'700'000'000.0, stats));
  EXPECT_DOUBLE_EQ(*stats.cpu_seconds, 3.25);  // (250 + 75) ticks
  EXPECT_DOUBLE_EQ(*stats.virtual_memory_bytes, 104857600);
  EXPECT_DOUBLE_EQ(*stats.resident_memory_bytes, 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(*stats.start_time_seconds, 1'700'000'000.0 + 1234.56);
}

TEST(ProcessStatsTest, StatWithoutBootTimeHasNoStartTime) {
  ProcessStats stats;
  ASSERT_TRUE(ParseProcStat(kStat, 100, 4096, std::nullopt, stats));
  EXPECT_TRUE(stats.cpu_seconds.has_value());
  EXPECT_FALSE(stats.start_time_seconds.has_value());
}

TEST(ProcessStatsTest, TruncatedOrGarbledStatGivesNothing) {
  for (const char* text : {"", "4242 (x", "4242 (x) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 x y"}) {
    ProcessStats stats;
    EXPECT_FALSE(ParseProcStat(text, 100, 4096, 0.0, stats)) << text;
    EXPECT_FALSE(stats.cpu_seconds.has_value()) << text;
  }
}

TEST(ProcessStatsTest, ParsesSoftLimits) {
  constexpr char kLimits[] =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max open files            1024                 524288               files     \n"
      "Max address space         unlimited            unlimited            bytes     \n";
  ProcessStats stats;
  ParseProcLimits(kLimits, stats);
  EXPECT_DOUBLE_EQ(*stats.max_fds, 1024);
  EXPECT_DOUBLE_EQ(*stats.virtual_memory_max_bytes, 18446744073709551615.0);
  ProcessStats limited;
  ParseProcLimits("Max open files 50 60 files\nMax address space 1000000 unlimited bytes\n",
                  limited);
  EXPECT_DOUBLE_EQ(*limited.max_fds, 50);
  EXPECT_DOUBLE_EQ(*limited.virtual_memory_max_bytes, 1000000);
  ProcessStats none;
  ParseProcLimits("nothing here\n", none);
  EXPECT_FALSE(none.max_fds.has_value());
}

TEST(ProcessStatsTest, ParsesBootTime) {
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nintr 5 6\nbtime 1764600000\nprocesses 9\n"), 1764600000.0);
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\n"), std::nullopt);
  EXPECT_EQ(ParseBootTime("btime x\n"), std::nullopt);
}

TEST(ProcessStatsTest, OwnFiguresMatchWhatTheProcessKnowsOfItself) {
  const ProcessReader reader;
  const ProcessStats before = reader.Read();
  ASSERT_TRUE(before.open_fds && before.max_fds && before.cpu_seconds &&
              before.resident_memory_bytes && before.virtual_memory_bytes &&
              before.start_time_seconds && before.virtual_memory_max_bytes);

  // Descriptors: five more open, five more counted.
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const ProcessStats more = reader.Read();
  for (const int fd : fds) close(fd);
  EXPECT_EQ(*more.open_fds, *before.open_fds + 5);

  // Limits: those getrlimit reports.
  rlimit nofile{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &nofile), 0);
  EXPECT_DOUBLE_EQ(*before.max_fds, static_cast<double>(nofile.rlim_cur));
  rlimit as{};
  ASSERT_EQ(getrlimit(RLIMIT_AS, &as), 0);
  EXPECT_DOUBLE_EQ(*before.virtual_memory_max_bytes, static_cast<double>(as.rlim_cur));

  // CPU: what getrusage says, within two clock ticks either way.
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (std::chrono::steady_clock::now() < until) sink = sink + std::sqrt(sink + 2.0);
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  const ProcessStats after = reader.Read();
  const double rusage_seconds =
      static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
      static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  EXPECT_GT(*after.cpu_seconds, *before.cpu_seconds);
  EXPECT_NEAR(*after.cpu_seconds, rusage_seconds, 2 * tick + 0.02);

  // Memory: resident as /proc/self/statm counts it (an independent file),
  // within 4 MiB of movement; virtual at least resident.
  std::ifstream statm("/proc/self/statm");
  double size_pages = 0;
  double resident_pages = 0;
  statm >> size_pages >> resident_pages;
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  EXPECT_NEAR(*after.resident_memory_bytes, resident_pages * page, 4.0 * 1024 * 1024);
  EXPECT_GE(*after.virtual_memory_bytes, *after.resident_memory_bytes);
  EXPECT_GT(*after.resident_memory_bytes, 0);

  // Start time: this test binary started moments ago, not in the future.
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*before.start_time_seconds, now + 1);
  EXPECT_GT(*before.start_time_seconds, now - 600);
}

TEST(ProcessStatsTest, UnreadableProcessDirGivesNoFigures) {
  const ProcessReader reader("/nonexistent/proc/self", "/nonexistent/stat");
  const ProcessStats stats = reader.Read();
  EXPECT_FALSE(stats.cpu_seconds || stats.open_fds || stats.max_fds);
  std::string out;
  AppendProcessFamilies(out, stats, ExpositionFormat::kText);
  // Every family still has its HELP and TYPE, none has a sample.
  EXPECT_THAT(out, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_THAT(out, HasSubstr("# HELP process_start_time_seconds Start time of the process since "
                             "unix epoch in seconds.\n"));
  for (std::size_t at = 0; at < out.size();) {
    EXPECT_EQ(out[at], '#') << out.substr(at);
    at = out.find('\n', at) + 1;
  }
}

TEST(ProcessStatsTest, NamesHelpAndTypesAsTheClientLibrariesWriteThem) {
  ProcessStats stats{.cpu_seconds = 1,
                     .virtual_memory_bytes = 2,
                     .resident_memory_bytes = 3,
                     .start_time_seconds = 4,
                     .open_fds = 5,
                     .max_fds = 6,
                     .virtual_memory_max_bytes = 7};
  std::string out;
  AppendProcessFamilies(out, stats, ExpositionFormat::kText);
  EXPECT_EQ(out,
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 1\n"
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds 6\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 5\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 3\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in "
            "seconds.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 4\n"
            "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 2\n"
            "# HELP process_virtual_memory_max_bytes Maximum amount of virtual memory available "
            "in bytes.\n"
            "# TYPE process_virtual_memory_max_bytes gauge\n"
            "process_virtual_memory_max_bytes 7\n");
}

}  // namespace
}  // namespace wgx
