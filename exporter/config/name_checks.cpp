#include "exporter/config/name_checks.h"

#include <algorithm>
#include <array>

#include "exporter/config/config.h"

namespace wgx {
namespace {

// Labels the exporter writes itself, and the ones Prometheus attaches on
// ingestion or uses in histograms and summaries.
constexpr auto kReservedLabels = [] {
  std::array<std::string_view, kExporterLabelNames.size() + kPrometheusLabelNames.size()> all{};
  std::copy(kExporterLabelNames.begin(), kExporterLabelNames.end(), all.begin());
  std::copy(kPrometheusLabelNames.begin(), kPrometheusLabelNames.end(),
            all.begin() + kExporterLabelNames.size());
  return all;
}();

constexpr std::array<std::string_view, 12> kCharacterClasses{"alnum", "alpha", "blank", "cntrl",
                                                             "digit", "graph", "lower", "print",
                                                             "punct", "space", "upper", "xdigit"};

}  // namespace

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out += '"';
  return out;
}

std::optional<std::string> InterfaceNameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 15) return "is longer than 15 characters, the kernel's limit";
  if (name == "." || name == "..") return "must not be \".\" or \"..\"";
  for (char c : name) {
    if (c == '/') return "must not contain '/'";
    if (c == ':') return "must not contain ':'";
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "must not contain whitespace or control characters";
  }
  return std::nullopt;
}

std::optional<std::string> LabelNameProblem(std::string_view name) {
  const auto is_start = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  if (name.empty() || !is_start(name.front()) ||
      !std::all_of(name.begin() + 1, name.end(), is_rest)) {
    return "is not a valid label name (it must match [a-zA-Z_][a-zA-Z0-9_]*)";
  }
  if (name.substr(0, 2) == "__") return "starts with \"__\", which Prometheus reserves for itself";
  if (std::find(kReservedLabels.begin(), kReservedLabels.end(), name) != kReservedLabels.end()) {
    return "collides with a label the exporter or Prometheus sets itself (reserved: " +
           JoinNames(kReservedLabels) + ")";
  }
  return std::nullopt;
}

// fnmatch() reports no pattern errors (a stray '[' silently matches itself),
// so patterns that are almost certainly typos are refused here.
std::optional<std::string> GlobProblem(std::string_view pattern, bool allow_slash) {
  if (pattern.empty()) return "is empty";
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '/' && !allow_slash) return "contains '/', which no interface name can contain";
    if (c == '\\') {
      if (i + 1 == pattern.size()) return "ends with a lone '\\'";
      ++i;
      continue;
    }
    if (c != '[') continue;
    std::size_t j = i + 1;
    if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) ++j;
    if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is literal
    bool closed = false;
    while (j < pattern.size()) {
      if (pattern[j] == ']') {
        closed = true;
        break;
      }
      if (pattern.substr(j, 2) == "[:") {
        const std::size_t end = pattern.find(":]", j + 2);
        if (end == std::string_view::npos) break;
        const std::string_view cls = pattern.substr(j + 2, end - j - 2);
        if (std::find(kCharacterClasses.begin(), kCharacterClasses.end(), cls) ==
            kCharacterClasses.end()) {
          return "uses the unknown character class [:" + std::string(cls) + ":]";
        }
        j = end + 2;
        continue;
      }
      ++j;
    }
    if (!closed) return "has a '[' without its closing ']'";
    i = j;
  }
  return std::nullopt;
}

}  // namespace wgx
