// Checks of the names a configuration gives (interface names, label names,
// exclude globs) and the small text helpers its error messages are made of.
// Each check returns why a name is refused, worded to follow the quoted name,
// or nullopt when the name is fine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wgx {

// A name the kernel would accept for a network interface.
std::optional<std::string> InterfaceNameProblem(std::string_view name);

// A Prometheus label name that neither Prometheus nor the exporter sets itself.
std::optional<std::string> LabelNameProblem(std::string_view name);

// An fnmatch() pattern that is not almost certainly a typo. Patterns over
// interface names may not contain '/'; those over peer keys (base64) may.
std::optional<std::string> GlobProblem(std::string_view pattern, bool allow_slash = false);

// "a, b, c": the names of a range, for messages that list what is allowed.
template <typename Range>
std::string JoinNames(const Range& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out.append(name);
  }
  return out;
}

// `text` in double quotes.
std::string Quoted(std::string_view text);

}  // namespace wgx
