#include "exporter/metrics/text.h"

#include <cmath>
#include <cstdint>

namespace wgx {

void AppendEscaped(std::string& out, std::string_view value) {
  std::size_t clean_from = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out.append(value.data() + clean_from, i - clean_from);
    out.push_back('\\');
    out.push_back(c == '\n' ? 'n' : c);
    clean_from = i + 1;
  }
  out.append(value.data() + clean_from, value.size() - clean_from);
}

void AppendLabel(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out.push_back(',');
  out.append(name);
  out.append("=\"");
  AppendEscaped(out, value);
  out.push_back('"');
}

void AppendDouble(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "+Inf" : "-Inf");
    return;
  }
  constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
  if (std::trunc(value) == value && std::fabs(value) < kExactIntegerLimit) {
    AppendInteger(out, static_cast<std::int64_t>(value));
    return;
  }
  char buf[64];
  std::to_chars_result result;
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e16) {
    // Shortest text could be a 21-digit integer whose tail digits only look
    // significant; scientific notation shows the real precision.
    result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  } else {
    result = std::to_chars(buf, buf + sizeof buf, value);
    // Shortest text may be scientific (2e-04 beats 0.0002); from 1e-4 up,
    // fixed notation is what people and other exporters expect to read.
    if (magnitude >= 1e-4 &&
        std::string_view(buf, result.ptr - buf).find('e') != std::string_view::npos) {
      result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    }
  }
  out.append(buf, result.ptr);
}

}  // namespace wgx
