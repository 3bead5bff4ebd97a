// Any bytes as the YAML of --web.config.file, and as the base64 of a Basic
// Authorization header (the other untrusted input of the web config).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "exporter/http/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = wgx::ParseWebConfig(text, "web-fuzz.yml");
  if (const auto* error = std::get_if<wgx::ConfigError>(&result)) {
    if (error->message.empty()) __builtin_trap();
    (void)error->ToString();
  }
  if (auto decoded = wgx::DecodeBase64(text)) {
    // Standard base64 never decodes to more than 3 bytes per 4 characters.
    if (decoded->size() > (size / 4) * 3) __builtin_trap();
  }
  return 0;
}
