// Any bytes as the YAML of --config.file. The loader may read wg-quick files
// the YAML names (read-only, regular files of bounded size); the name given
// here has no directory, so relative paths stay in the working directory.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "exporter/config/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  wgx::LoadResult result = wgx::LoadConfigFromString(yaml, "fuzz.yml");
  if (const auto* error = std::get_if<wgx::ConfigError>(&result)) {
    // Every rejection says why and where.
    if (error->message.empty() || error->line < 0 || error->column < 0) __builtin_trap();
    (void)error->ToString();
  } else if (std::get<0>(result) == nullptr) {
    __builtin_trap();
  }
  return 0;
}
