#include "exporter/config/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace wgx {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t milliseconds;
};

// Descending order is part of the grammar: "1h30m" is valid, "30m1h" is not.
constexpr std::array<Unit, 7> kUnits{{
    {"y", 365LL * 24 * 60 * 60 * 1000},
    {"w", 7LL * 24 * 60 * 60 * 1000},
    {"d", 24LL * 60 * 60 * 1000},
    {"h", 60LL * 60 * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

constexpr std::string_view kGrammarHint =
    "use <number><unit> groups with units y, w, d, h, m, s, ms in that order, e.g. 90s, 3m, "
    "1h30m";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Any letter, so "3x" or "3M" is reported as an unknown unit.
bool IsUnitLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string Invalid(std::string_view text, std::string_view why) {
  std::string message = "invalid duration \"";
  message.append(text);
  message.append("\": ");
  message.append(why);
  return message;
}

}  // namespace

DurationParseResult ParseDuration(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty; " + std::string(kGrammarHint));
  if (text == "0") return std::chrono::milliseconds{0};
  if (text.front() == '-') return Invalid(text, "negative durations are not allowed");

  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index into kUnits of the smallest unit still allowed
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t number_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == number_start) {
      return Invalid(text, "expected a number at \"" + std::string(text.substr(pos)) + "\"; " +
                               std::string(kGrammarHint));
    }
    const std::string_view digits = text.substr(number_start, pos - number_start);
    const std::size_t unit_start = pos;
    while (pos < text.size() && IsUnitLetter(text[pos])) ++pos;
    const std::string_view suffix = text.substr(unit_start, pos - unit_start);
    if (suffix.empty()) {
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        return Invalid(text, "fractions are not allowed; write 1m30s instead of 1.5m");
      }
      if (pos == text.size()) {
        return Invalid(
            text, "missing unit after " + std::string(digits) + "; " + std::string(kGrammarHint));
      }
      return Invalid(text, "unexpected character '" + std::string(1, text[pos]) + "'; " +
                               std::string(kGrammarHint));
    }

    std::size_t unit_index = kUnits.size();
    for (std::size_t i = 0; i < kUnits.size(); ++i) {
      if (kUnits[i].suffix == suffix) unit_index = i;
    }
    if (unit_index == kUnits.size()) {
      return Invalid(text,
                     "unknown unit \"" + std::string(suffix) + "\"; " + std::string(kGrammarHint));
    }
    if (unit_index < next_unit) {
      return Invalid(text, "unit \"" + std::string(suffix) +
                               "\" is repeated or out of order; units must appear in the "
                               "order y, w, d, h, m, s, ms, each at most once");
    }
    next_unit = unit_index + 1;

    std::int64_t value = 0;
    for (char c : digits) {
      if (value > (std::numeric_limits<std::int64_t>::max() - (c - '0')) / 10) {
        return Invalid(text, "out of range");
      }
      value = value * 10 + (c - '0');
    }
    const std::int64_t scale = kUnits[unit_index].milliseconds;
    if (value > (std::numeric_limits<std::int64_t>::max() - total) / scale) {
      return Invalid(text, "out of range");
    }
    total += value * scale;
  }
  return std::chrono::milliseconds{total};
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  std::int64_t remaining = duration.count();
  if (remaining == 0) return "0s";
  std::string out;
  if (remaining < 0) {
    out.push_back('-');
    // The most negative value has no positive counterpart; nothing that
    // large comes from ParseDuration, so clamp rather than overflow.
    remaining = remaining == std::numeric_limits<std::int64_t>::min()
                    ? std::numeric_limits<std::int64_t>::max()
                    : -remaining;
  }
  for (const Unit& unit : kUnits) {
    // Years and weeks only when they divide evenly, as Prometheus prints them:
    // "1y" and "2w", but "400d" rather than "1y5w".
    const bool exact_only = unit.suffix == "y" || unit.suffix == "w";
    if (exact_only && remaining % unit.milliseconds != 0) continue;
    const std::int64_t count = remaining / unit.milliseconds;
    if (count > 0) {
      out.append(std::to_string(count));
      out.append(unit.suffix);
      remaining -= count * unit.milliseconds;
    }
  }
  return out;
}

}  // namespace wgx
