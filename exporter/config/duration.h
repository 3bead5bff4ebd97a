// Durations in the Prometheus text form ("90s", "1h30m", "500ms", "0").
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace wgx {

// Either the parsed duration or a sentence saying what is wrong with the text.
using DurationParseResult = std::variant<std::chrono::milliseconds, std::string>;

// Accepts what Prometheus' model.ParseDuration accepts: one or more
// <integer><unit> groups with units y (365d), w, d, h, m, s, ms in that
// order, each at most once, or the bare "0". No sign, fraction or spaces.
DurationParseResult ParseDuration(std::string_view text);

// The shortest Prometheus form, as model.Duration.String() writes it:
// "0s", "1h30m", "1d12h", "1y" (years and weeks only when exact). Round-trips
// through ParseDuration. Negative durations get a leading '-'.
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace wgx
