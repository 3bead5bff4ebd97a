// Compressing the exposition: Prometheus asks every scrape for gzip, so the
// compressor is the largest single CPU cost of a scrape on a large gateway.
// Three ways to make the same gzip answer out of the same exposition:
//   - libdeflate, level 1, over the whole text at once (one buffer as large
//     as the exposition plus one for the result);
//   - ISA-L igzip, level 1, streamed in 256 KiB pieces (memory does not grow
//     with the exposition);
//   - zlib, level 1, streamed the same way.
// Reports input MB/s (bytes_per_second), peers/s, and the compression ratio.
#include <benchmark/benchmark.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/gateway.h"
#include "exporter/metrics/exposition.h"

namespace wgx {
namespace {

using bench::Gateway;

constexpr std::size_t kPiece = std::size_t{256} * 1024;

const std::string& Exposition(std::size_t peers) {
  static std::map<std::size_t, std::string> cache;
  auto [it, inserted] = cache.try_emplace(peers);
  if (inserted) {
    const Gateway gateway(peers);
    RenderExposition(gateway.Inputs(), it->second);
  }
  return it->second;
}

void Report(benchmark::State& state, std::size_t peers, std::size_t in, std::size_t out) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(peers));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(in));
  state.counters["ratio"] = static_cast<double>(in) / static_cast<double>(out);
  state.counters["gz_B/peer"] = static_cast<double>(out) / static_cast<double>(peers);
}

void BM_GzipLibdeflateWhole(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const std::string& text = Exposition(peers);
  libdeflate_compressor* compressor = libdeflate_alloc_compressor(1);
  const std::size_t bound = libdeflate_gzip_compress_bound(compressor, text.size());
  std::size_t out = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    auto buffer = std::make_unique_for_overwrite<char[]>(bound);
    out = libdeflate_gzip_compress(compressor, text.data(), text.size(), buffer.get(), bound);
    benchmark::DoNotOptimize(buffer.get());
  }
  libdeflate_free_compressor(compressor);
  Report(state, peers, text.size(), out);
}
BENCHMARK(BM_GzipLibdeflateWhole)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond);

void BM_GzipIsalStream(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const std::string& text = Exposition(peers);
  std::vector<std::uint8_t> level_buf(ISAL_DEF_LVL1_DEFAULT);
  std::vector<std::uint8_t> piece(kPiece);
  std::size_t out = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    isal_zstream stream;
    isal_deflate_init(&stream);
    stream.level = 1;
    stream.level_buf = level_buf.data();
    stream.level_buf_size = static_cast<std::uint32_t>(level_buf.size());
    stream.gzip_flag = IGZIP_GZIP;
    out = 0;
    for (std::size_t at = 0; at < text.size(); at += kPiece) {
      const std::size_t n = std::min(kPiece, text.size() - at);
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the API takes non-const input
      stream.next_in = reinterpret_cast<std::uint8_t*>(const_cast<char*>(text.data() + at));
      stream.avail_in = static_cast<std::uint32_t>(n);
      stream.end_of_stream = at + n == text.size() ? 1 : 0;
      do {
        stream.next_out = piece.data();
        stream.avail_out = static_cast<std::uint32_t>(piece.size());
        isal_deflate(&stream);
        out += piece.size() - stream.avail_out;
        benchmark::DoNotOptimize(piece.data());
      } while (stream.avail_in > 0 ||
               (stream.end_of_stream != 0 && stream.internal_state.state != ZSTATE_END));
    }
  }
  Report(state, peers, text.size(), out);
}
BENCHMARK(BM_GzipIsalStream)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_GzipZlibStream(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const std::string& text = Exposition(peers);
  std::vector<std::uint8_t> piece(kPiece);
  std::size_t out = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    z_stream stream{};
    deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    out = 0;
    for (std::size_t at = 0; at < text.size(); at += kPiece) {
      const std::size_t n = std::min(kPiece, text.size() - at);
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): the API takes non-const input
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data() + at));
      stream.avail_in = static_cast<uInt>(n);
      const int flush = at + n == text.size() ? Z_FINISH : Z_NO_FLUSH;
      int status = Z_OK;
      do {
        stream.next_out = piece.data();
        stream.avail_out = static_cast<uInt>(piece.size());
        status = deflate(&stream, flush);
        out += piece.size() - stream.avail_out;
        benchmark::DoNotOptimize(piece.data());
      } while (stream.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
    }
    deflateEnd(&stream);
  }
  Report(state, peers, text.size(), out);
}
BENCHMARK(BM_GzipZlibStream)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wgx
