// Parsing a userspace WireGuard `get=1` answer: the per-scrape CPU cost of
// every wireguard-go interface, which grows with its number of peers.
// Reports peers/s (items_per_second), answer bytes/s (bytes_per_second) and
// heap bytes allocated per peer, for 10 to 10,000 peers.
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "bench/alloc_counter.h"
#include "exporter/wireguard/uapi_parser.h"

namespace wgx {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

void AppendHexKey(std::mt19937_64& rng, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) {
    const auto byte = static_cast<unsigned>(rng() & 0xff);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
}

// One IPv6 group, as Go prints it: lower-case hex without leading zeros.
std::string HexGroup(std::size_t value) {
  char text[8];
  const std::to_chars_result written =
      std::to_chars(text, text + sizeof text, value % 0xffff + 1, 16);
  return std::string(text, written.ptr);
}

// A wireguard-go answer for a gateway with `peers` peers, in the exact shape
// of the captures in tests/data/uapi/: device keys first, then every peer
// with all its fields. Production-like values: every peer has handshaken
// (timestamps with nanoseconds), counters in the gigabytes, an IPv4
// endpoint (every tenth one IPv6), a preshared key on every other peer and
// one IPv4 allowed IP plus, on every other peer, an IPv6 one.
std::string GenerateAnswer(std::size_t peers) {
  std::mt19937_64 rng(42);
  std::string answer;
  answer.reserve(64 + peers * 480);
  answer += "private_key=";
  AppendHexKey(rng, answer);
  answer += "\nlisten_port=51820\n";
  for (std::size_t i = 0; i < peers; ++i) {
    answer += "public_key=";
    AppendHexKey(rng, answer);
    answer += "\npreshared_key=";
    if (i % 2 == 0) {
      AppendHexKey(rng, answer);
    } else {
      answer += std::string(64, '0');
    }
    answer += "\nprotocol_version=1\nendpoint=";
    const std::string port = std::to_string(1024 + i % 60000);
    if (i % 10 == 9) {
      answer += "[2001:db8:" + HexGroup(i) + "::1]:" + port;
    } else {
      answer += "203.0.113." + std::to_string(i % 250) + ":" + port;
    }
    answer += "\nlast_handshake_time_sec=" +
              std::to_string(kNow - static_cast<std::int64_t>(rng() % 600));
    answer += "\nlast_handshake_time_nsec=" + std::to_string(rng() % 1'000'000'000);
    answer += "\ntx_bytes=" + std::to_string(rng() % 100'000'000'000);
    answer += "\nrx_bytes=" + std::to_string(rng() % 100'000'000'000);
    answer += "\npersistent_keepalive_interval=";
    answer += i % 2 == 0 ? "25" : "0";
    answer += "\nallowed_ip=10." + std::to_string((i >> 16) & 0xff) + "." +
              std::to_string((i >> 8) & 0xff) + "." + std::to_string(i & 0xff) + "/32\n";
    if (i % 2 == 0) answer += "allowed_ip=fd00::" + HexGroup(i) + "/128\n";
  }
  answer += "errno=0\n\n";
  return answer;
}

void BM_ParseUapiGet(benchmark::State& state) {
  const auto peers = static_cast<std::size_t>(state.range(0));
  const std::string answer = GenerateAnswer(peers);
  {
    const UapiParseResult check = ParseUapiGet(answer, "wg0");
    if (!check.device || check.device->peers.size() != peers) {
      state.SkipWithError(("generated answer does not parse: " + check.error).c_str());
      return;
    }
  }
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    UapiParseResult result = ParseUapiGet(answer, "wg0");
    benchmark::DoNotOptimize(result.device->peers.data());
  }
  const bench::AllocationCount allocated = bench::AllocationsSince(start);
  const auto iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(peers));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(answer.size()));
  state.counters["in_bytes"] = static_cast<double>(answer.size());
  state.counters["alloc_B/peer"] =
      static_cast<double>(allocated.bytes) / iterations / static_cast<double>(peers);
  state.counters["allocs/peer"] =
      static_cast<double>(allocated.allocations) / iterations / static_cast<double>(peers);
}
BENCHMARK(BM_ParseUapiGet)->Arg(10)->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wgx
