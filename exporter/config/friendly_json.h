// The "# friendly_json = {...}" comment of a peer: a flat JSON object whose
// members become the peer's labels.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wgx {

struct FriendlyJsonError {
  std::size_t offset = 0;  // in the object's text, 0-based
  std::string message;
};

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// Members sorted by name. Values may be strings, numbers (kept as written),
// true or false; null, arrays and nested objects are refused, as are member
// names that are no valid label names or that the exporter sets itself, and
// names given twice. Error messages quote member names, never values.
std::variant<LabelPairs, FriendlyJsonError> ParseFriendlyJson(std::string_view text);

}  // namespace wgx
