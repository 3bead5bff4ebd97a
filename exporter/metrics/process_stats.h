// The exporter's own process figures, read from /proc at scrape time, named
// and computed as the Go and Python client libraries do (process_*).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exporter/metrics/format.h"

namespace wgx {

// Each figure is absent when its source could not be read, so one
// unreadable file costs only its own samples.
struct ProcessStats {
  std::optional<double> cpu_seconds;            // utime + stime
  std::optional<double> virtual_memory_bytes;   // vsize
  std::optional<double> resident_memory_bytes;  // rss pages × page size
  std::optional<double> start_time_seconds;     // boot time + starttime
  std::optional<double> open_fds;
  std::optional<double> max_fds;                   // soft RLIMIT_NOFILE
  std::optional<double> virtual_memory_max_bytes;  // soft RLIMIT_AS
};

// Figures of /proc/PID/stat (the text after the command name's closing
// parenthesis decides the fields, as a name may hold spaces and
// parentheses). `ticks_per_second` is the clock tick (sysconf(_SC_CLK_TCK)),
// `boot_time_seconds` the Unix time the system booted, if known.
bool ParseProcStat(std::string_view text, double ticks_per_second, double page_size,
                   std::optional<double> boot_time_seconds, ProcessStats& out);

// The soft limits of "Max open files" and "Max address space" in
// /proc/PID/limits; "unlimited" is 2^64-1, as the Go client reports it.
void ParseProcLimits(std::string_view text, ProcessStats& out);

// The btime line of /proc/stat.
std::optional<double> ParseBootTime(std::string_view text);

class ProcessReader {
 public:
  // `process_dir` is /proc/self or /proc/PID; `proc_stat` is /proc/stat.
  explicit ProcessReader(std::string process_dir = "/proc/self",
                         const std::string& proc_stat = "/proc/stat");

  // Reads the figures now. Never throws.
  ProcessStats Read() const;

 private:
  std::string process_dir_;
  double ticks_per_second_;
  double page_size_;
  // Read once: the boot time does not change. Where /proc/stat is hidden
  // (systemd's ProcSubset=pid), from the real-time and boot-time clocks.
  std::optional<double> boot_time_seconds_;
};

// The process_* families, each with its HELP and TYPE, and a sample for
// each figure known.
void AppendProcessFamilies(std::string& out, const ProcessStats& stats, ExpositionFormat format);

}  // namespace wgx
