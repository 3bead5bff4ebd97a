// Any bytes as a wg-quick configuration file, and as a systemd .netdev file,
// whose peer name and friendly_json comments are read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "exporter/config/wg_quick.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = wgx::ParseWgQuickPeerNames(text);
  if (const auto* error = std::get_if<wgx::WgQuickParseError>(&result)) {
    // Errors name a line of the text, never one past its end.
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    if (error->line < 0 || static_cast<std::size_t>(error->line) > lines) __builtin_trap();
  }
  for (const auto format : {wgx::PeerFileFormat::kWgQuick, wgx::PeerFileFormat::kNetdev}) {
    auto details = wgx::ParsePeerComments(text, format);
    if (const auto* error = std::get_if<wgx::WgQuickParseError>(&details)) {
      std::size_t lines = 1;
      for (char c : text) lines += c == '\n';
      if (error->line < 0 || static_cast<std::size_t>(error->line) > lines) __builtin_trap();
      if (error->column < 0 || static_cast<std::size_t>(error->column) > text.size() + 1) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
