// gzip compression of a streamed answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "exporter/metrics/collector.h"

struct isal_zstream;

namespace wgx {

// Compresses a stream into one gzip member with ISA-L's igzip at level 1: at
// the same ratio as other level-1 compressors and several times their speed,
// in constant memory however large the exposition (see bench/gzip_bench.cpp).
// The compressed bytes go to `out` in pieces of kPieceBytes at most.
class GzipStream {
 public:
  static constexpr std::size_t kPieceBytes = std::size_t{128} * 1024;

  explicit GzipStream(const ExpositionSink& out);
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // False when `out` refused a piece or compression failed.
  bool Write(std::string_view text);
  // Ends the gzip member. False as for Write.
  bool Finish();

 private:
  bool Step();

  const ExpositionSink& out_;
  // 80 KiB of state: too large for a worker thread's stack.
  std::unique_ptr<isal_zstream> stream_;
  std::unique_ptr<std::uint8_t[]> level_buf_;
  std::unique_ptr<std::uint8_t[]> piece_;
};

}  // namespace wgx
