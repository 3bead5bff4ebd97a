#include "exporter/http/gzip_stream.h"

#include <isa-l/igzip_lib.h>
#include <spdlog/spdlog.h>

namespace wgx {

GzipStream::GzipStream(const ExpositionSink& out)
    : out_(out),
      stream_(std::make_unique<isal_zstream>()),
      level_buf_(std::make_unique_for_overwrite<std::uint8_t[]>(ISAL_DEF_LVL1_DEFAULT)),
      piece_(std::make_unique_for_overwrite<std::uint8_t[]>(kPieceBytes)) {
  isal_deflate_init(stream_.get());
  stream_->level = 1;
  stream_->level_buf = level_buf_.get();
  stream_->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  stream_->gzip_flag = IGZIP_GZIP;
  stream_->flush = NO_FLUSH;
}

// Out of line: isal_zstream is complete only here.
GzipStream::~GzipStream() = default;

bool GzipStream::Write(std::string_view text) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): igzip never writes its input
  stream_->next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(text.data()));
  stream_->avail_in = static_cast<std::uint32_t>(text.size());
  while (stream_->avail_in > 0) {
    if (!Step()) return false;
  }
  return true;
}

bool GzipStream::Finish() {
  stream_->next_in = nullptr;
  stream_->avail_in = 0;
  stream_->end_of_stream = 1;
  while (stream_->internal_state.state != ZSTATE_END) {
    if (!Step()) return false;
  }
  return true;
}

bool GzipStream::Step() {
  stream_->next_out = piece_.get();
  stream_->avail_out = static_cast<std::uint32_t>(kPieceBytes);
  const int status = isal_deflate(stream_.get());
  if (status != COMP_OK) {
    spdlog::error("http: gzip compression failed (igzip status {})", status);
    return false;
  }
  const std::size_t produced = kPieceBytes - stream_->avail_out;
  return produced == 0 ||
         out_(std::string_view(reinterpret_cast<const char*>(piece_.get()), produced));
}

}  // namespace wgx
