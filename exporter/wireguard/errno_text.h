#pragma once
#include <cstring>
#include <string>
namespace wgx {
inline std::string ErrnoText(int error_number) {
  const char* text = strerrordesc_np(error_number);
  return text != nullptr ? std::string(text) : "errno " + std::to_string(error_number);
}
}  // namespace wgx
