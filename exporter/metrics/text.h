// Text primitives of the exposition formats. All append to a std::string: no
// streams, no temporaries, as they run for every sample of every scrape.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace wgx {

// A label value with backslash, double quote and newline escaped.
void AppendEscaped(std::string& out, std::string_view value);

// `,name="value"` (no comma when `first`).
void AppendLabel(std::string& out, std::string_view name, std::string_view value,
                 bool first = false);

template <typename Integer>
void AppendInteger(std::string& out, Integer value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

// Integral values as integers (1700000000, not 1.7e+09), the infinities and
// NaN as Prometheus spells them, anything else with the fewest digits that
// read back to the same double.
void AppendDouble(std::string& out, double value);

}  // namespace wgx
