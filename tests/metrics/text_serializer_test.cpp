// The fast writer against prometheus-cpp's TextSerializer, the reference
// implementation of the text format: the same data, built here the slow and
// obvious way as prometheus::MetricFamily values, must serialize to exactly
// the same bytes.
//
// Where the two formats legitimately differ the data avoids it (and the last
// test shows it). prometheus-cpp prints a double as printf("%.16g") does: the
// exact binary value rounded to 16 digits. This writer prints the fewest
// digits that read back to the same double. The two agree on integers below
// 10^16 and on fractions that are exact in binary (k/64, k/1024) with at most
// 16 digits, so the random data is made of those. They differ on 0.789298
// (binary 0.78929800000000005...: "0.7892980000000001" there), on values
// that need 17 digits, on counters of 10^16 and more (rounded there, exact
// here), and on NaN, which prometheus-cpp spells "Nan".
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "exporter/metrics/exposition.h"
#include "tests/metrics/fixtures.h"

namespace wgx {
namespace {

using namespace wgx::testing;  // NOLINT(google-build-using-namespace): test builders
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

using Scenario = ScrapeData;

// ---------------------------------------------------------------------------
// The reference: one ClientMetric per sample, labels as name/value pairs.

using LabelList = std::vector<ClientMetric::Label>;

MetricFamily Family(const std::string& name, const std::string& help, MetricType type) {
  MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

void AddSample(MetricFamily& family, LabelList labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

// Interface labels with the peer's merged over them, sorted by name.
LabelList ConfiguredLabels(const InterfaceConfig* iface, const PeerConfig* peer) {
  std::map<std::string, std::string> merged;
  if (iface != nullptr) {
    for (const auto& [name, value] : iface->labels) merged[name] = value;
  }
  if (peer != nullptr) {
    for (const auto& [name, value] : peer->labels) merged[name] = value;
  }
  LabelList labels;
  for (const auto& [name, value] : merged) labels.push_back({name, value});
  return labels;
}

LabelList Concat(LabelList a, const LabelList& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string Join(const std::vector<AllowedIp>& ips) {
  std::string text;
  for (const AllowedIp& ip : ips) text += (text.empty() ? "" : ",") + ip.ToString();
  return text;
}

std::vector<MetricFamily> ReferenceFamilies(const Scenario& s) {
  using std::chrono::nanoseconds;
  using std::chrono::seconds;
  std::vector<const InterfaceReading*> readings;
  for (const InterfaceReading& reading : s.readings) readings.push_back(&reading);
  std::sort(readings.begin(), readings.end(), [](const auto* a, const auto* b) {
    return std::tie(a->interface.netns, a->interface.name) <
           std::tie(b->interface.netns, b->interface.name);
  });

  MetricFamily timestamp =
      Family("wireguard_peer_last_handshake_timestamp_seconds",
             "Unix time of the last handshake completed with the peer, 0 when none has completed.",
             MetricType::Gauge);
  MetricFamily age = Family(
      "wireguard_peer_last_handshake_age_seconds",
      "Seconds since the last handshake completed with the peer, +Inf when none has completed.",
      MetricType::Gauge);
  MetricFamily online = Family("wireguard_peer_online",
                               "Whether the peer's last handshake is at most the interface's "
                               "online threshold old (1) or not (0).",
                               MetricType::Gauge);
  MetricFamily receive = Family("wireguard_peer_receive_bytes_total",
                                "Bytes received from the peer.", MetricType::Counter);
  MetricFamily transmit =
      Family("wireguard_peer_transmit_bytes_total", "Bytes sent to the peer.", MetricType::Counter);
  MetricFamily keepalive =
      Family("wireguard_peer_persistent_keepalive_interval_seconds",
             "Persistent keepalive interval of the peer, 0 when it is off.", MetricType::Gauge);
  MetricFamily info = Family("wireguard_peer_info",
                             "Peer details that change rarely: its current endpoint and its "
                             "allowed IPs in device order. Always 1.",
                             MetricType::Gauge);
  MetricFamily up =
      Family("wireguard_interface_up",
             "Whether the interface was read in this scrape (1) or not (0); the reason is logged.",
             MetricType::Gauge);
  MetricFamily iface_info = Family("wireguard_interface_info",
                                   "Interface details: public key, listen port, implementation "
                                   "(kernel or userspace) and protocol (wireguard or amneziawg). "
                                   "Always 1.",
                                   MetricType::Gauge);
  MetricFamily peers = Family("wireguard_interface_peers",
                              "Number of peers configured on the interface.", MetricType::Gauge);
  MetricFamily peers_online =
      Family("wireguard_interface_peers_online", "Number of the interface's peers that are online.",
             MetricType::Gauge);
  MetricFamily threshold = Family(
      "wireguard_interface_online_threshold_seconds",
      "Maximum age of a peer's last handshake for the peer to count as online.", MetricType::Gauge);
  MetricFamily read_duration =
      Family("wireguard_interface_read_duration_seconds",
             "Time taken to read the interface in this scrape.", MetricType::Gauge);

  for (const InterfaceReading* reading : readings) {
    const std::string& name = reading->interface.name;
    const std::string& netns = reading->interface.netns;
    const InterfaceConfig* iface = s.config.Find(netns, name);
    const auto online_threshold =
        iface != nullptr ? iface->online_threshold : s.config.default_online_threshold;
    // The exporter's own namespace has no netns label.
    LabelList base = {{"interface", name}};
    if (!netns.empty()) base.push_back({"netns", netns});
    const LabelList iface_labels = Concat(base, ConfiguredLabels(iface, nullptr));
    const PeerConfigs* peer_configs = s.config.PeersOf(netns, name);
    const Device* device = reading->result.device ? &*reading->result.device : nullptr;
    int online_count = 0;
    if (device != nullptr) {
      for (const Peer& peer : device->peers) {
        const PeerConfig* peer_config = nullptr;
        if (peer_configs != nullptr) {
          const auto it = peer_configs->find(peer.public_key);
          if (it != peer_configs->end()) peer_config = &it->second;
        }
        const LabelList labels =
            Concat(Concat(base, {{"public_key", peer.public_key.ToBase64()},
                                 {"name", peer_config ? peer_config->name : ""}}),
                   ConfiguredLabels(iface, peer_config));
        const bool never = peer.last_handshake_seconds == 0 && peer.last_handshake_nanoseconds == 0;
        const auto handshake = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                seconds(peer.last_handshake_seconds) +
                nanoseconds(peer.last_handshake_nanoseconds)));
        const auto peer_age = std::max(nanoseconds(0), s.now - handshake);
        const bool is_online = !never && peer_age <= online_threshold;
        online_count += is_online ? 1 : 0;
        AddSample(timestamp, labels,
                  never ? 0.0
                        : static_cast<double>(peer.last_handshake_seconds) +
                              static_cast<double>(peer.last_handshake_nanoseconds) / 1e9);
        AddSample(age, labels,
                  never ? std::numeric_limits<double>::infinity()
                        : std::chrono::duration<double>(peer_age).count());
        AddSample(online, labels, is_online ? 1 : 0);
        AddSample(receive, labels, static_cast<double>(peer.receive_bytes));
        AddSample(transmit, labels, static_cast<double>(peer.transmit_bytes));
        AddSample(keepalive, labels, peer.persistent_keepalive_interval);
        AddSample(
            info,
            Concat(labels, {{"endpoint", peer.endpoint}, {"allowed_ips", Join(peer.allowed_ips)}}),
            1);
      }
      AddSample(iface_info,
                Concat(iface_labels,
                       {{"public_key", device->public_key ? device->public_key->ToBase64() : ""},
                        {"listen_port", std::to_string(device->listen_port)},
                        {"implementation", ImplementationName(device->implementation)},
                        {"protocol", ProtocolName(device->protocol)}}),
                1);
      AddSample(peers, iface_labels, static_cast<double>(device->peers.size()));
      AddSample(peers_online, iface_labels, online_count);
    }
    AddSample(up, iface_labels, device != nullptr ? 1 : 0);
    AddSample(threshold, iface_labels, std::chrono::duration<double>(online_threshold).count());
    if (reading->attempted)
      AddSample(read_duration, iface_labels, reading->result.duration_seconds);
  }

  std::vector<MetricFamily> families;
  const MetricToggles& on = s.config.metrics;
  if (on.peer_handshake_timestamp) families.push_back(timestamp);
  if (on.peer_handshake_age) families.push_back(age);
  if (on.peer_online) families.push_back(online);
  if (on.peer_bytes) {
    families.push_back(receive);
    families.push_back(transmit);
  }
  if (on.peer_keepalive) families.push_back(keepalive);
  if (on.peer_info) families.push_back(info);
  for (MetricFamily* family :
       {&up, &iface_info, &peers, &peers_online, &threshold, &read_duration}) {
    families.push_back(*family);
  }

  MetricFamily netns_up = Family(
      "wireguard_netns_up",
      "Whether the network namespace could be entered and listed in this scrape (1) or not (0); "
      "the reason is logged. netns=\"\" is the exporter's own.",
      MetricType::Gauge);
  MetricFamily netns_interfaces =
      Family("wireguard_netns_interfaces",
             "Number of WireGuard interfaces exported from the network namespace in this scrape.",
             MetricType::Gauge);
  for (const NamespaceStatus& ns : s.namespaces) {
    AddSample(netns_up, {{"netns", ns.name}}, ns.up ? 1 : 0);
    const auto found = std::count_if(s.readings.begin(), s.readings.end(), [&](const auto& r) {
      return r.attempted && r.interface.netns == ns.name;
    });
    AddSample(netns_interfaces, {{"netns", ns.name}}, static_cast<double>(found));
  }
  families.push_back(netns_up);
  families.push_back(netns_interfaces);

  MetricFamily build = Family("wireguard_exporter_build_info",
                              "A metric with a constant '1' value labeled by version and revision "
                              "from which wireguard_exporter was built.",
                              MetricType::Gauge);
  AddSample(build, {{"version", s.build.version}, {"revision", s.build.revision}}, 1);
  families.push_back(build);
  MetricFamily successful =
      Family("wireguard_exporter_config_last_reload_successful",
             "Whether the last configuration reload attempt was successful.", MetricType::Gauge);
  AddSample(successful, {}, s.reload.last_reload_successful ? 1 : 0);
  families.push_back(successful);
  MetricFamily success_time =
      Family("wireguard_exporter_config_last_reload_success_timestamp_seconds",
             "Unix time of the last successful configuration load.", MetricType::Gauge);
  AddSample(success_time, {}, s.reload.last_success_timestamp_seconds);
  families.push_back(success_time);
  MetricFamily reloads =
      Family("wireguard_exporter_config_reloads_total",
             "Configuration reload attempts, successful or not.", MetricType::Counter);
  AddSample(reloads, {}, static_cast<double>(s.reload.reloads_total));
  families.push_back(reloads);
  MetricFamily failures = Family("wireguard_exporter_config_reload_failures_total",
                                 "Configuration reload attempts that failed.", MetricType::Counter);
  AddSample(failures, {}, static_cast<double>(s.reload.reload_failures_total));
  families.push_back(failures);
  MetricFamily scrape = Family("wireguard_exporter_scrape_duration_seconds",
                               "Time taken to list and read the WireGuard interfaces in this "
                               "scrape.",
                               MetricType::Gauge);
  AddSample(scrape, {}, s.scrape_duration_seconds);
  families.push_back(scrape);
  return families;
}

std::string ReferenceText(const Scenario& s) {
  return prometheus::TextSerializer().Serialize(ReferenceFamilies(s));
}

std::string FastText(const Scenario& s) { return s.Render(); }

// ---------------------------------------------------------------------------
// Random scenarios whose every value has at most 16 significant digits.

class ScenarioGenerator {
 public:
  explicit ScenarioGenerator(unsigned seed) : rng_(seed) {}

  Scenario Make() {
    Scenario s;
    const std::int64_t now_ticks = 1'700'000'000 * kTicksPerSecond + Uniform(0, 1'000'000'000);
    s.now = UnixTime(now_ticks / kTicksPerSecond, (now_ticks % kTicksPerSecond) * kNanosPerTick);
    s.config.default_online_threshold = Threshold();
    s.config.metrics =
        MetricToggles{Chance(0.8), Chance(0.8), Chance(0.8), Chance(0.8), Chance(0.8), Chance(0.8)};
    // Namespaces: the own, up, and up to two others, one maybe down; the
    // same interface names recur in them.
    s.namespaces = {NamespaceStatus{}};
    const int other_namespaces = static_cast<int>(Uniform(0, 2));
    for (int n = 0; n < other_namespaces; ++n) {
      s.namespaces.push_back(NamespaceStatus{"ns-" + RandomText(), Chance(0.7), {}});
    }
    const int interfaces = static_cast<int>(Uniform(0, 5));
    for (int i = 0; i < interfaces; ++i) {
      const std::string name = "wg" + std::to_string(static_cast<int>(Uniform(0, i)));
      const std::string netns =
          s.namespaces[static_cast<std::size_t>(Uniform(0, other_namespaces))].name;
      if (s.config.Find(netns, name) != nullptr ||
          std::any_of(s.readings.begin(), s.readings.end(), [&](const InterfaceReading& r) {
            return r.interface.name == name && r.interface.netns == netns;
          })) {
        continue;  // (netns, name) is unique
      }
      const bool listed = Chance(0.6);
      InterfaceConfig* iface = nullptr;
      if (listed) {
        s.config.interfaces.emplace_back();
        iface = &s.config.interfaces.back();
        iface->name = name;
        iface->netns = netns;
        iface->online_threshold = Threshold();
        iface->labels = RandomLabels();
      }
      const double kind = Real();
      if (kind < 0.1 && listed) {
        s.readings.push_back(MissingReading(name));
        s.readings.back().interface.netns = netns;
        continue;
      }
      if (kind < 0.2) {
        s.readings.push_back(FailedReading(name, "timed out", Fraction()));
        s.readings.back().interface.netns = netns;
        continue;
      }
      std::vector<Peer> peers;
      const int peer_count = static_cast<int>(Uniform(0, 40));
      const auto threshold = iface ? iface->online_threshold : s.config.default_online_threshold;
      for (int p = 0; p < peer_count; ++p) {
        Peer peer = RandomPeer(now_ticks, threshold.count() * kTicksPerSecond / 1000);
        if (iface != nullptr && Chance(0.5)) {
          iface->peers[peer.public_key] = PeerConfig{RandomText(), RandomLabels()};
        }
        peers.push_back(std::move(peer));
      }
      Device device =
          MakeDevice(name, Chance(0.5) ? Implementation::kKernel : Implementation::kUserspace,
                     std::move(peers));
      device.listen_port = static_cast<std::uint16_t>(Uniform(0, 65535));
      if (Chance(0.2)) device.public_key.reset();
      s.readings.push_back(ReadingOf(std::move(device), Fraction()));
      s.readings.back().interface.netns = netns;
    }
    std::shuffle(s.readings.begin(), s.readings.end(), rng_);
    s.reload.last_reload_successful = Chance(0.5);
    s.reload.last_success_timestamp_seconds =
        1'600'000'000 + static_cast<double>(Uniform(0, 1'000'000'000)) / kTicksPerSecond;
    s.reload.reloads_total = static_cast<std::uint64_t>(Uniform(0, 1'000'000));
    s.reload.reload_failures_total = static_cast<std::uint64_t>(Uniform(0, 1'000));
    s.build = BuildInfo{RandomText(), RandomText()};
    s.scrape_duration_seconds = Fraction();
    return s;
  }

 private:
  std::int64_t Uniform(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  double Real() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  bool Chance(double p) { return Real() < p; }
  // Time moves in 1/64 s ticks: 1.7e9 s + k/64 is exact in binary and has at
  // most 16 digits.
  static constexpr std::int64_t kTicksPerSecond = 64;
  static constexpr std::int64_t kNanosPerTick = 1'000'000'000 / kTicksPerSecond;
  // Durations in 1/1024 s: exact in binary, at most 14 digits here.
  double Fraction() { return static_cast<double>(Uniform(0, 5'000'000)) / 1024; }
  // Thresholds in whole 1/8 s (125 ms), so they fall on ticks too.
  std::chrono::milliseconds Threshold() {
    return std::chrono::milliseconds(125 * Uniform(1, 4800));
  }

  std::string RandomText() {
    static constexpr const char* kPieces[] = {"a", "b", "X", "Z", "0",  "9",  " ",  "-",
                                              "_", ".", ":", "/", "\\", "\"", "\n", "\u00e9"};
    std::string text;
    const int length = static_cast<int>(Uniform(0, 12));
    for (int i = 0; i < length; ++i) text += kPieces[Uniform(0, std::size(kPieces) - 1)];
    return text;
  }

  Labels RandomLabels() {
    static const char* kNames[] = {"dc", "owner", "site", "tier", "zone"};
    Labels labels;
    for (const char* name : kNames) {
      if (Chance(0.4)) labels.emplace_back(name, RandomText());
    }
    return labels;  // already sorted by name
  }

  Peer RandomPeer(std::int64_t now_ticks, std::int64_t threshold_ticks) {
    Peer peer;
    for (auto& byte : peer.public_key.bytes) byte = static_cast<std::uint8_t>(Uniform(0, 255));
    const double kind = Real();
    std::int64_t handshake_ticks = 0;  // never
    if (kind < 0.15) {
      handshake_ticks = now_ticks - threshold_ticks;  // exactly at the threshold
    } else if (kind < 0.2) {
      handshake_ticks = now_ticks - threshold_ticks - 1;  // one tick past it
    } else if (kind < 0.3) {
      handshake_ticks = now_ticks + Uniform(1, 100'000);  // ahead of the clock
    } else if (kind < 0.9) {
      handshake_ticks = now_ticks - Uniform(0, 2 * threshold_ticks);
    }
    if (handshake_ticks != 0) {
      peer.last_handshake_seconds = handshake_ticks / kTicksPerSecond;
      peer.last_handshake_nanoseconds = (handshake_ticks % kTicksPerSecond) * kNanosPerTick;
    }
    peer.receive_bytes = static_cast<std::uint64_t>(Uniform(0, 999'999'999'999'999));
    peer.transmit_bytes = static_cast<std::uint64_t>(Uniform(0, 999'999'999'999'999));
    peer.persistent_keepalive_interval =
        static_cast<std::uint16_t>(Chance(0.5) ? 0 : Uniform(1, 65535));
    if (Chance(0.7)) peer.endpoint = Chance(0.5) ? "192.0.2.9:51820" : "[2001:db8::9]:1";
    if (Chance(0.1)) peer.endpoint = RandomText();
    const int ips = static_cast<int>(Uniform(0, 3));
    for (int i = 0; i < ips; ++i) {
      peer.allowed_ips.push_back(Chance(0.5) ? MakeAllowedIp("10.1.2.3", 32)
                                             : MakeAllowedIp("fd00:1::", 64));
    }
    return peer;
  }

  std::mt19937 rng_;
};

TEST(TextSerializerTest, GoldenScenarioMatchesPrometheusCppByteForByte) {
  Scenario s;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.online_threshold = std::chrono::seconds(150);
  wg0.labels = {{"site", "fra\"1\\"}, {"tier", "edge\n"}};
  wg0.peers[MakeKey(1)] = PeerConfig{"alice \"a\"", {{"owner", "alice"}, {"site", "home"}}};
  s.config.interfaces = {wg0};
  Peer alice = MakePeer(1);
  alice.last_handshake_seconds = 1'699'999'900;
  alice.last_handshake_nanoseconds = 250'000'000;
  alice.receive_bytes = 123456;
  alice.endpoint = "192.0.2.1:51820";
  alice.allowed_ips = {MakeAllowedIp("10.0.0.2", 32), MakeAllowedIp("fd00::2", 128)};
  s.readings = {
      ReadingOf(MakeDevice("wg0", Implementation::kKernel, {alice, MakePeer(2)}), 0.001953125),
      FailedReading("wg1", "refused", 0.25), MissingReading("wg2")};
  s.now = UnixTime(1'700'000'000, 500'000'000);
  s.reload.last_success_timestamp_seconds = 1699990000.125;
  s.reload.reloads_total = 2;
  s.build = {"0.1.0", "abc"};
  s.scrape_duration_seconds = 0.0078125;
  EXPECT_EQ(FastText(s), ReferenceText(s));
}

class RandomScenarioTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(RandomScenarioTest, MatchesPrometheusCppByteForByte) {
  const Scenario s = ScenarioGenerator(GetParam()).Make();
  EXPECT_EQ(FastText(s), ReferenceText(s));
}

constexpr unsigned kSeeds = 60;

// The comparison above is only as good as its data: make sure the seeds
// reach every case worth comparing.
TEST(RandomScenarioCoverage, SeedsCoverTheInterestingCases) {
  int peers = 0, never = 0, named = 0, failed = 0, missing = 0, families_off = 0, escapes = 0;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    const Scenario s = ScenarioGenerator(seed).Make();
    const std::string text = FastText(s);
    escapes += text.find("\\\\") != std::string::npos && text.find("\\n") != std::string::npos;
    const MetricToggles& t = s.config.metrics;
    families_off += !t.peer_info + !t.peer_bytes + !t.peer_handshake_timestamp +
                    !t.peer_handshake_age + !t.peer_keepalive + !t.peer_online;
    for (const InterfaceReading& reading : s.readings) {
      failed += reading.attempted && !reading.result.device;
      missing += !reading.attempted;
      if (!reading.result.device) continue;
      for (const Peer& peer : reading.result.device->peers) {
        ++peers;
        never += peer.last_handshake_seconds == 0;
        named += s.config.FindPeer(reading.interface.name, peer.public_key) != nullptr;
      }
    }
  }
  EXPECT_GT(peers, 1000);
  EXPECT_GT(never, 50);
  EXPECT_GT(named, 200);
  EXPECT_GT(failed, 5);
  EXPECT_GT(missing, 3);
  EXPECT_GT(families_off, 20);
  EXPECT_GT(escapes, 10);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomScenarioTest, ::testing::Range(1u, kSeeds + 1));

TEST(TextSerializerTest, WhereTheFormatsLegitimatelyDiffer) {
  Scenario s;
  Peer peer = MakePeer(1);
  peer.receive_bytes = 18446744073709551615u;  // 2^64 - 1: exact here, rounded there
  s.readings = {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {peer}), 0.1 + 0.2),
                FailedReading("wg1", "refused", 0.789298)};
  s.now = UnixTime(1'700'000'000);
  const std::string fast = FastText(s);
  const std::string reference = ReferenceText(s);
  EXPECT_THAT(fast, ::testing::HasSubstr("} 18446744073709551615\n"));
  EXPECT_THAT(reference, ::testing::HasSubstr("} 1.844674407370955e+19\n"));
  EXPECT_THAT(fast, ::testing::HasSubstr("} 0.30000000000000004\n"));
  EXPECT_THAT(reference, ::testing::HasSubstr("} 0.3\n"));
  EXPECT_THAT(fast, ::testing::HasSubstr("} 0.789298\n"));
  EXPECT_THAT(reference, ::testing::HasSubstr("} 0.7892980000000001\n"));
}

}  // namespace
}  // namespace wgx
