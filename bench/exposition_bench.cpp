// Building the exposition text: the per-scrape CPU cost that grows with the
// number of peers. Reports peers/s (items_per_second), samples/s, output
// bytes and heap bytes allocated per peer, for 10 to 100,000 peers; and the
// same peer families built and serialized through prometheus-cpp, for scale.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/alloc_counter.h"
#include "bench/gateway.h"
#include "exporter/metrics/exposition.h"
#include "exporter/metrics/format.h"
#include "exporter/metrics/process_stats.h"

namespace wgx {
namespace {

using bench::Gateway;
using bench::kNow;

std::size_t CountSamples(const std::string& text) {
  std::size_t samples = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (text[start] != '#') ++samples;
    start = end + 1;
  }
  return samples;
}

void ReportCounters(benchmark::State& state, std::size_t peers, std::size_t samples,
                    std::size_t output_bytes, const bench::AllocationCount& allocated) {
  const auto iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(peers));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(output_bytes));
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples) * iterations, benchmark::Counter::kIsRate);
  state.counters["out_bytes"] = static_cast<double>(output_bytes);
  state.counters["alloc_B/peer"] =
      static_cast<double>(allocated.bytes) / iterations / static_cast<double>(peers);
  state.counters["allocs/peer"] =
      static_cast<double>(allocated.allocations) / iterations / static_cast<double>(peers);
}

// The whole exposition into one buffer that is reused across scrapes, as
// the Collector does (it reserves the previous scrape's size).
void BM_RenderExposition(benchmark::State& state) {
  const Gateway gateway(static_cast<std::size_t>(state.range(0)));
  const ScrapeInputs inputs = gateway.Inputs();
  std::string out;
  RenderExposition(inputs, out);
  const std::size_t samples = CountSamples(out);
  const std::size_t bytes = out.size();
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    out.clear();
    RenderExposition(inputs, out);
    benchmark::DoNotOptimize(out.data());
  }
  ReportCounters(state, gateway.peers, samples, bytes, bench::AllocationsSince(start));
}
BENCHMARK(BM_RenderExposition)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond);

// The same exposition in OpenMetrics 1.0.0: only the metadata lines and the
// end differ, so the cost per peer should be the text format's.
void BM_RenderOpenMetrics(benchmark::State& state) {
  const Gateway gateway(static_cast<std::size_t>(state.range(0)));
  ScrapeInputs inputs = gateway.Inputs();
  inputs.format = ExpositionFormat::kOpenMetrics;
  std::string out;
  RenderExposition(inputs, out);
  const std::size_t samples = CountSamples(out);
  const std::size_t bytes = out.size();
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    out.clear();
    RenderExposition(inputs, out);
    benchmark::DoNotOptimize(out.data());
  }
  ReportCounters(state, gateway.peers, samples, bytes, bench::AllocationsSince(start));
}
BENCHMARK(BM_RenderOpenMetrics)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond);

// What the process_* families add to every scrape: three reads of /proc/self
// and writing seven families.
void BM_ProcessFamilies(benchmark::State& state) {
  const ProcessReader reader;
  std::string out;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    out.clear();
    AppendProcessFamilies(out, reader.Read(), ExpositionFormat::kText);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["out_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ProcessFamilies)->Unit(benchmark::kMicrosecond);

// Streamed in 256 KiB pieces to a sink that drops them: the memory a scrape
// holds no longer grows with the exposition.
void BM_StreamExposition(benchmark::State& state) {
  const Gateway gateway(static_cast<std::size_t>(state.range(0)));
  const ScrapeInputs inputs = gateway.Inputs();
  std::string whole;
  RenderExposition(inputs, whole);
  const std::size_t samples = CountSamples(whole);
  const std::size_t bytes = whole.size();
  whole = std::string();
  std::size_t streamed = 0;
  const ExpositionSink sink = [&streamed](std::string_view chunk) {
    streamed += chunk.size();
    return true;
  };
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    StreamExposition(inputs, std::size_t{256} * 1024, sink);
  }
  benchmark::DoNotOptimize(streamed);
  ReportCounters(state, gateway.peers, samples, bytes, bench::AllocationsSince(start));
}
BENCHMARK(BM_StreamExposition)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond);

// For scale: the seven peer families built as prometheus::MetricFamily
// values (a label vector per sample) and written by its TextSerializer.
void BM_PrometheusCppPeerFamilies(benchmark::State& state) {
  const Gateway gateway(static_cast<std::size_t>(state.range(0)));
  const Device& device = *gateway.readings[0].result.device;
  const InterfaceConfig& iface = gateway.config.interfaces[0];
  const prometheus::TextSerializer serializer;
  std::size_t bytes = 0;
  const auto start = bench::AllocationsSoFar();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): the benchmark loop idiom
    std::vector<prometheus::MetricFamily> families(7);
    const char* names[] = {"wireguard_peer_last_handshake_timestamp_seconds",
                           "wireguard_peer_last_handshake_age_seconds",
                           "wireguard_peer_online",
                           "wireguard_peer_receive_bytes_total",
                           "wireguard_peer_transmit_bytes_total",
                           "wireguard_peer_persistent_keepalive_interval_seconds",
                           "wireguard_peer_info"};
    for (std::size_t f = 0; f < families.size(); ++f) {
      families[f].name = names[f];
      families[f].help = "help";
      families[f].type = prometheus::MetricType::Gauge;
      families[f].metric.reserve(device.peers.size());
    }
    for (const Peer& peer : device.peers) {
      const PeerConfig& config = iface.peers.at(peer.public_key);
      std::vector<prometheus::ClientMetric::Label> labels = {
          {"interface", "wg0"},
          {"public_key", peer.public_key.ToBase64()},
          {"name", config.name},
          {"site", "fra1"}};
      const double timestamp = static_cast<double>(peer.last_handshake_seconds) +
                               static_cast<double>(peer.last_handshake_nanoseconds) / 1e9;
      const double values[] = {timestamp,
                               static_cast<double>(kNow) - timestamp,
                               1,
                               static_cast<double>(peer.receive_bytes),
                               static_cast<double>(peer.transmit_bytes),
                               static_cast<double>(peer.persistent_keepalive_interval)};
      for (std::size_t f = 0; f < 6; ++f) {
        prometheus::ClientMetric metric;
        metric.label = labels;
        metric.gauge.value = values[f];
        families[f].metric.push_back(std::move(metric));
      }
      std::string allowed;
      for (const AllowedIp& ip : peer.allowed_ips)
        allowed += (allowed.empty() ? "" : ",") + ip.ToString();
      prometheus::ClientMetric info;
      info.label = std::move(labels);
      info.label.push_back({"endpoint", peer.endpoint});
      info.label.push_back({"allowed_ips", std::move(allowed)});
      info.gauge.value = 1;
      families[6].metric.push_back(std::move(info));
    }
    const std::string text = serializer.Serialize(families);
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  ReportCounters(state, gateway.peers, gateway.peers * 7, bytes, bench::AllocationsSince(start));
}
BENCHMARK(BM_PrometheusCppPeerFamilies)
    ->Arg(10)
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wgx
