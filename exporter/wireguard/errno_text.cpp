#include "exporter/wireguard/errno_text.h"

#include <cstring>

namespace wgx {

std::optional<std::string_view> ErrnoDescription(int error_number) {
  const char* text = strerrordesc_np(error_number);
  if (text == nullptr) return std::nullopt;
  return std::string_view(text);
}

std::string ErrnoText(int error_number) {
  if (const auto description = ErrnoDescription(error_number)) return std::string(*description);
  return "errno " + std::to_string(error_number);
}

}  // namespace wgx
