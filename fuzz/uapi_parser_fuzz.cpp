// Any bytes as the answer of a userspace WireGuard implementation to `get=1`.
// The parser promises to be total: a Device or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exporter/wireguard/uapi_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view answer(reinterpret_cast<const char*>(data), size);
  wgx::UapiParseResult result = wgx::ParseUapiGet(answer, "wgfz0");
  // Exactly one of the two outcomes, as the header promises.
  if (result.device.has_value() == !result.error.empty()) __builtin_trap();
  return 0;
}
