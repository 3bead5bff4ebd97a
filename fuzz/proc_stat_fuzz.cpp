// Any bytes as /proc/self/stat, /proc/self/limits and /proc/stat: the figures
// parsed are finite and never negative, or absent.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "exporter/metrics/process_stats.h"

namespace {

void CheckFigure(const std::optional<double>& value) {
  if (value && (!std::isfinite(*value) || *value < 0)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  wgx::ProcessStats stats;
  const bool parsed = wgx::ParseProcStat(text, 100, 4096, 1.7e9, stats);
  if (parsed != stats.cpu_seconds.has_value()) __builtin_trap();
  wgx::ParseProcLimits(text, stats);
  CheckFigure(stats.cpu_seconds);
  CheckFigure(stats.virtual_memory_bytes);
  CheckFigure(stats.resident_memory_bytes);
  CheckFigure(stats.start_time_seconds);
  CheckFigure(stats.max_fds);
  CheckFigure(stats.virtual_memory_max_bytes);
  CheckFigure(wgx::ParseBootTime(text));
  return 0;
}
