// Any bytes as the Accept header of a scrape: a format is always picked, and
// the same one for the same header.
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporter/http/negotiate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // civetweb hands headers over as C strings: up to the first NUL.
  const std::string header(reinterpret_cast<const char*>(data), size);
  const wgx::ExpositionFormat format = wgx::NegotiateFormat(header.c_str());
  if (format != wgx::ExpositionFormat::kText && format != wgx::ExpositionFormat::kOpenMetrics) {
    __builtin_trap();
  }
  if (wgx::NegotiateFormat(header.c_str()) != format) __builtin_trap();
  return 0;
}
