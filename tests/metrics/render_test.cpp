#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "exporter/metrics/exposition.h"
#include "tests/metrics/fixtures.h"
#include "tests/support/fixture.h"

namespace wgx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace wgx::testing;  // NOLINT(google-build-using-namespace): test builders

constexpr std::int64_t kNow = 1'700'000'000;

// Two interfaces read, one failing, one listed but absent; configured names
// and labels, a peer that never shook hands, one exactly at the online
// threshold, one whose handshake lies ahead of the clock.
struct GoldenScenario : ScrapeData {
  GoldenScenario() {
    now = UnixTime(kNow, 500'000'000);
    build = {"0.1.0", "abc123def456"};
    scrape_duration_seconds = 0.0123;

    InterfaceConfig wg0;
    wg0.name = "wg0";
    wg0.online_threshold = std::chrono::seconds(150);
    wg0.labels = {{"site", "fra1"}, {"tier", "edge"}};
    wg0.peers[MakeKey(1)] = PeerConfig{"alice-laptop", {{"owner", "alice"}, {"site", "home"}}};
    wg0.peers[MakeKey(3)] = PeerConfig{"carol", {}};
    InterfaceConfig wg9;
    wg9.name = "wg9";
    // wg0 of another namespace: its own settings, labels and peer names.
    InterfaceConfig vpn_wg0;
    vpn_wg0.name = "wg0";
    vpn_wg0.netns = "vpn-a";
    vpn_wg0.online_threshold = std::chrono::seconds(90);
    vpn_wg0.labels = {{"site", "vpn"}};
    vpn_wg0.peers[MakeKey(5)] = PeerConfig{"branch", {{"site", "vpn"}}};
    config.interfaces = {wg0, wg9, vpn_wg0};

    Peer alice = MakePeer(1);
    alice.endpoint = "192.0.2.1:51820";
    alice.last_handshake_seconds = kNow - 100;
    alice.last_handshake_nanoseconds = 250'000'000;  // age 100.25 s
    alice.receive_bytes = 123456;
    alice.transmit_bytes = 654321;
    alice.persistent_keepalive_interval = 25;
    alice.allowed_ips = {MakeAllowedIp("10.0.0.2", 32), MakeAllowedIp("fd00::2", 128)};
    Peer never = MakePeer(2);
    never.allowed_ips = {MakeAllowedIp("10.0.0.3", 32)};
    Peer carol = MakePeer(3);
    carol.endpoint = "[2001:db8::1]:51820";
    carol.last_handshake_seconds = kNow - 150;
    carol.last_handshake_nanoseconds = 500'000'000;  // age exactly 150 s: still online
    carol.receive_bytes = 9007199254740993;          // 2^53 + 1, not exact as a double
    Device wg0_device = MakeDevice("wg0", Implementation::kKernel, {alice, never, carol});

    Peer ahead = MakePeer(4);
    ahead.last_handshake_seconds = kNow + 10;  // the clock is behind the device
    ahead.endpoint = "198.51.100.7:40000";
    ahead.allowed_ips = {MakeAllowedIp("0.0.0.0", 0), MakeAllowedIp("::", 0)};
    ahead.transmit_bytes = 18446744073709551615u;
    Device wg1_device = MakeDevice("wg1", Implementation::kUserspace, {ahead});
    wg1_device.public_key.reset();
    wg1_device.listen_port = 0;

    // Deliberately out of name order: the renderer sorts interfaces.
    readings.push_back(ReadingOf(wg1_device, 0.0002));
    readings.push_back(MissingReading("wg9"));
    readings.push_back(FailedReading("wg2", "timed out after 2s", 2.000123));
    readings.push_back(ReadingOf(wg0_device, 0.0015));
    Peer branch = MakePeer(5);
    branch.last_handshake_seconds = kNow - 100;  // older than vpn-a's 90 s: offline
    branch.allowed_ips = {MakeAllowedIp("10.9.0.2", 32)};
    readings.push_back(ReadingOf(MakeDevice("wg0", Implementation::kKernel, {branch}), 0.0021));
    readings.back().interface.netns = "vpn-a";
    namespaces = {NamespaceStatus{}, NamespaceStatus{"vpn-a", true, {}},
                  NamespaceStatus{"pid-4242", false, "entering the namespace: permission denied"}};

    reload.last_reload_successful = true;
    reload.last_success_timestamp_seconds = 1699990000.123;
    reload.reloads_total = 3;
    reload.reload_failures_total = 1;

    // One figure unreadable: its family keeps HELP and TYPE, without a sample.
    process = ProcessStats{.cpu_seconds = 12.34,
                           .virtual_memory_bytes = 123456789,
                           .resident_memory_bytes = 12345678,
                           .start_time_seconds = 1699999000.25,
                           .open_fds = 9,
                           .max_fds = 1024,
                           .virtual_memory_max_bytes = std::nullopt};
  }
};

TEST(RenderExpositionTest, MatchesGoldenFile) {
  // After a deliberate change of the exposition: WGX_UPDATE_GOLDEN=1 rewrites
  // the file, which is then read like any other change in review.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs during this test.
  if (std::getenv("WGX_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(WGX_TEST_DATA_DIR "/metrics/golden.prom") << GoldenScenario().Render();
  }
  const std::string expected = testing::ReadFixture("metrics/golden.prom");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(GoldenScenario().Render(), expected);
}

TEST(RenderExpositionTest, OpenMetricsMatchesGoldenFile) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs during this test.
  if (std::getenv("WGX_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(WGX_TEST_DATA_DIR "/metrics/golden.openmetrics")
        << GoldenScenario().Render(ExpositionFormat::kOpenMetrics);
  }
  const std::string expected = testing::ReadFixture("metrics/golden.openmetrics");
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(GoldenScenario().Render(ExpositionFormat::kOpenMetrics), expected);
}

TEST(RenderExpositionTest, AppendsToTheBuffer) {
  std::string out = "# kept\n";
  const GoldenScenario scenario;
  RenderExposition(scenario.Inputs(), out);
  EXPECT_EQ(out, "# kept\n" + scenario.Render());
}

TEST(RenderExpositionTest, PassesPromtoolCheck) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no other thread runs during this test.
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed";
  }
  char path[] = "/tmp/wgx_metrics_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = GoldenScenario().Render();
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  const std::string command = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string report;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) report += buf;
  const int status = pclose(pipe);
  unlink(path);
  EXPECT_EQ(status, 0) << report;
  EXPECT_EQ(report, "");
}

TEST(RenderExpositionTest, NeverHandshakenPeer) {
  const std::string out =
      Render(Config{}, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(7)}))},
             UnixTime(kNow));
  const std::string labels = "{" + PeerLabels("wg0", 7) + "}";
  EXPECT_TRUE(HasLine(out, "wireguard_peer_last_handshake_timestamp_seconds" + labels + " 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_last_handshake_age_seconds" + labels + " +Inf"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online" + labels + " 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_peers_online{interface=\"wg0\"} 0"));
}

TEST(RenderExpositionTest, HandshakeAheadOfTheClockHasAgeZeroAndIsOnline) {
  Peer peer = MakePeer(7);
  peer.last_handshake_seconds = kNow + 3600;
  const std::string out = Render(
      Config{}, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {peer}))}, UnixTime(kNow));
  const std::string labels = "{" + PeerLabels("wg0", 7) + "}";
  EXPECT_TRUE(HasLine(out, "wireguard_peer_last_handshake_age_seconds" + labels + " 0"));
  EXPECT_TRUE(
      HasLine(out, "wireguard_peer_last_handshake_timestamp_seconds" + labels + " 1700003600"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online" + labels + " 1"));
}

TEST(RenderExpositionTest, OnlineUpToAndIncludingTheThreshold) {
  Config config;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.online_threshold = std::chrono::milliseconds(90'500);
  config.interfaces = {wg0};
  Peer at = MakePeer(1);  // age == threshold
  at.last_handshake_seconds = kNow - 91;
  at.last_handshake_nanoseconds = 500'000'000;
  Peer past = MakePeer(2);  // one millisecond older
  past.last_handshake_seconds = kNow - 91;
  past.last_handshake_nanoseconds = 499'000'000;
  const std::string out =
      Render(config, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {at, past}))},
             UnixTime(kNow, 0));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 1) + "} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 2) + "} 0"));
  EXPECT_TRUE(
      HasLine(out, "wireguard_peer_last_handshake_age_seconds{" + PeerLabels("wg0", 1) + "} 90.5"));
  EXPECT_TRUE(HasLine(
      out, "wireguard_peer_last_handshake_age_seconds{" + PeerLabels("wg0", 2) + "} 90.501"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_peers_online{interface=\"wg0\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_online_threshold_seconds{interface=\"wg0\"} 90.5"));
}

TEST(RenderExpositionTest, DiscoveredInterfaceUsesTheDefaultThreshold) {
  Config config;
  config.default_online_threshold = std::chrono::seconds(30);
  Peer peer = MakePeer(1);
  peer.last_handshake_seconds = kNow - 31;
  const std::string out = Render(
      config, {ReadingOf(MakeDevice("wg5", Implementation::kKernel, {peer}))}, UnixTime(kNow));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg5", 1) + "} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_online_threshold_seconds{interface=\"wg5\"} 30"));
}

TEST(RenderExpositionTest, FailingInterfaceIsDownWithoutPeerSeriesAndOthersUnaffected) {
  const std::vector<InterfaceReading> readings = {
      ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}), 0.25),
      FailedReading("wg1", "connection refused", 0.5)};
  const std::string out = Render(Config{}, readings, UnixTime(kNow));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg1\"} 0"));
  EXPECT_THAT(LinesStartingWith(out, "wireguard_peer_receive_bytes_total{"),
              ElementsAre("wireguard_peer_receive_bytes_total{" + PeerLabels("wg0", 1) + "} 0"));
  EXPECT_THAT(out, Not(HasSubstr("interface=\"wg1\",public_key")));
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_info{interface=\"wg1\""), IsEmpty());
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_peers{interface=\"wg1\""), IsEmpty());
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_peers_online{interface=\"wg1\""),
              IsEmpty());
  EXPECT_TRUE(HasLine(out, "wireguard_interface_read_duration_seconds{interface=\"wg1\"} 0.5"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_read_duration_seconds{interface=\"wg0\"} 0.25"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_online_threshold_seconds{interface=\"wg1\"} 180"));
}

TEST(RenderExpositionTest, MissingInterfaceIsDownAndHasNoReadDuration) {
  Config config;
  InterfaceConfig wg3;
  wg3.name = "wg3";
  wg3.labels = {{"site", "ams"}};
  config.interfaces = {wg3};
  const std::string out = Render(config, {MissingReading("wg3")}, UnixTime(kNow));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg3\",site=\"ams\"} 0"));
  EXPECT_TRUE(HasLine(
      out, "wireguard_interface_online_threshold_seconds{interface=\"wg3\",site=\"ams\"} 180"));
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_read_duration_seconds{"), IsEmpty());
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_info{"), IsEmpty());
}

TEST(RenderExpositionTest, EveryFamilyHasHelpAndTypeEvenWithoutSamples) {
  const std::string out = Render(Config{}, {}, UnixTime(kNow));
  const std::vector<std::string> types = LinesStartingWith(out, "# TYPE ");
  EXPECT_THAT(
      types,
      ElementsAre("# TYPE wireguard_peer_last_handshake_timestamp_seconds gauge",
                  "# TYPE wireguard_peer_last_handshake_age_seconds gauge",
                  "# TYPE wireguard_peer_online gauge",
                  "# TYPE wireguard_peer_receive_bytes_total counter",
                  "# TYPE wireguard_peer_transmit_bytes_total counter",
                  "# TYPE wireguard_peer_persistent_keepalive_interval_seconds gauge",
                  "# TYPE wireguard_peer_info gauge", "# TYPE wireguard_interface_up gauge",
                  "# TYPE wireguard_interface_info gauge", "# TYPE wireguard_interface_peers gauge",
                  "# TYPE wireguard_interface_peers_online gauge",
                  "# TYPE wireguard_interface_online_threshold_seconds gauge",
                  "# TYPE wireguard_interface_read_duration_seconds gauge",
                  "# TYPE wireguard_netns_up gauge", "# TYPE wireguard_netns_interfaces gauge",
                  "# TYPE wireguard_exporter_build_info gauge",
                  "# TYPE wireguard_exporter_config_last_reload_successful gauge",
                  "# TYPE wireguard_exporter_config_last_reload_success_timestamp_seconds "
                  "gauge",
                  "# TYPE wireguard_exporter_config_reloads_total counter",
                  "# TYPE wireguard_exporter_config_reload_failures_total counter",
                  "# TYPE wireguard_exporter_scrape_duration_seconds gauge"));
  EXPECT_EQ(LinesStartingWith(out, "# HELP ").size(), types.size());
}

struct ToggleCase {
  bool MetricToggles::*toggle;
  std::vector<std::string> removed_families;
};

class ToggleTest : public ::testing::TestWithParam<ToggleCase> {};

TEST_P(ToggleTest, SwitchedOffFamiliesAreLeftOutEntirely) {
  Peer peer = MakePeer(1);
  peer.last_handshake_seconds = kNow - 5;
  peer.endpoint = "192.0.2.1:1";
  const std::vector<InterfaceReading> readings = {
      ReadingOf(MakeDevice("wg0", Implementation::kKernel, {peer}))};
  const std::string all_on = Render(Config{}, readings, UnixTime(kNow));
  Config config;
  config.metrics.*(GetParam().toggle) = false;
  const std::string out = Render(config, readings, UnixTime(kNow));

  for (const std::string& family : GetParam().removed_families) {
    EXPECT_THAT(all_on, HasSubstr(family + "{"));
    EXPECT_THAT(out, Not(HasSubstr(family + " "))) << family;
    EXPECT_THAT(out, Not(HasSubstr(family + "{"))) << family;
  }
  // Every other line stays exactly as it was.
  std::string expected;
  for (const std::string& line : LinesStartingWith(all_on, "")) {
    bool removed = false;
    for (const std::string& family : GetParam().removed_families) {
      removed = removed || line.find(family + " ") != std::string::npos ||
                line.find(family + "{") != std::string::npos;
    }
    if (!removed) expected += line + "\n";
  }
  EXPECT_EQ(out, expected);
}

INSTANTIATE_TEST_SUITE_P(
    EachToggle, ToggleTest,
    ::testing::Values(ToggleCase{&MetricToggles::peer_info, {"wireguard_peer_info"}},
                      ToggleCase{&MetricToggles::peer_bytes,
                                 {"wireguard_peer_receive_bytes_total",
                                  "wireguard_peer_transmit_bytes_total"}},
                      ToggleCase{&MetricToggles::peer_handshake_timestamp,
                                 {"wireguard_peer_last_handshake_timestamp_seconds"}},
                      ToggleCase{&MetricToggles::peer_handshake_age,
                                 {"wireguard_peer_last_handshake_age_seconds"}},
                      ToggleCase{&MetricToggles::peer_keepalive,
                                 {"wireguard_peer_persistent_keepalive_interval_seconds"}},
                      ToggleCase{&MetricToggles::peer_online, {"wireguard_peer_online"}}));

TEST(RenderExpositionTest, AllPeerFamiliesOffStillCountsOnlinePeers) {
  Config config;
  config.metrics = MetricToggles{false, false, false, false, false, false};
  Peer peer = MakePeer(1);
  peer.last_handshake_seconds = kNow - 5;
  const std::string out = Render(
      config, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {peer}))}, UnixTime(kNow));
  EXPECT_THAT(out, Not(HasSubstr("wireguard_peer_")));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_peers_online{interface=\"wg0\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_peers{interface=\"wg0\"} 1"));
}

TEST(RenderExpositionTest, EscapesLabelValues) {
  Config config;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.labels = {{"note", "a\\b\"c\nd"}};
  wg0.peers[MakeKey(1)] = PeerConfig{"bob \"the\\builder\"\nsecond line", {}};
  config.interfaces = {wg0};
  Peer peer = MakePeer(1);
  peer.endpoint = "\"odd\\endpoint\"";
  const std::string out = Render(
      config, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {peer}))}, UnixTime(kNow));
  const std::string key = MakeKey(1).ToBase64();
  EXPECT_TRUE(HasLine(out, "wireguard_peer_info{interface=\"wg0\",public_key=\"" + key +
                               "\",name=\"bob \\\"the\\\\builder\\\"\\nsecond line\","
                               "note=\"a\\\\b\\\"c\\nd\",endpoint=\"\\\"odd\\\\endpoint\\\"\","
                               "allowed_ips=\"\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\",note=\"a\\\\b\\\"c\\nd\"} 1"));
  // A raw newline inside a label value would split a sample over two lines.
  for (const std::string& line : LinesStartingWith(out, "")) {
    EXPECT_TRUE(line.empty() || line[0] == '#' || line.rfind("wireguard_", 0) == 0) << line;
  }
}

TEST(RenderExpositionTest, PeerLabelsMergeOverInterfaceLabelsSortedByName) {
  Config config;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.labels = {{"dc", "x"}, {"site", "fra1"}, {"zone", "z1"}};
  wg0.peers[MakeKey(1)] = PeerConfig{"p", {{"owner", "o"}, {"site", "home"}}};
  config.interfaces = {wg0};
  const std::string out = Render(
      config, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1), MakePeer(2)}))},
      UnixTime(kNow));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 1, "p") +
                               ",dc=\"x\",owner=\"o\",site=\"home\",zone=\"z1\"} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 2) +
                               ",dc=\"x\",site=\"fra1\",zone=\"z1\"} 0"));
}

TEST(RenderExpositionTest, ConfiguredLabelsNamedLikeTheExportersOwnAreSkipped) {
  Config config;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.labels = {{"interface", "spoof"}, {"site", "fra1"}};
  wg0.peers[MakeKey(1)] = PeerConfig{"p", {{"endpoint", "spoof"}, {"public_key", "spoof"}}};
  config.interfaces = {wg0};
  const std::string out =
      Render(config, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}))},
             UnixTime(kNow));
  EXPECT_THAT(out, Not(HasSubstr("spoof")));
  EXPECT_TRUE(
      HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 1, "p") + ",site=\"fra1\"} 0"));
}

TEST(RenderExpositionTest, NamesFromDiscoveredWgQuickFilesApplyToUnlistedInterfaces) {
  Config config;
  config.discovered_peers["wg7"][MakeKey(1)] = PeerConfig{"from-wg-quick", {}};
  const std::string out = Render(
      config, {ReadingOf(MakeDevice("wg7", Implementation::kKernel, {MakePeer(1), MakePeer(2)}))},
      UnixTime(kNow));
  EXPECT_TRUE(
      HasLine(out, "wireguard_peer_online{" + PeerLabels("wg7", 1, "from-wg-quick") + "} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg7", 2) + "} 0"));
}

TEST(RenderExpositionTest, ValuesUseShortestRoundTripText) {
  const std::vector<InterfaceReading> readings = {FailedReading("a", "x", 0.1 + 0.2),
                                                  FailedReading("b", "x", 1e-7),
                                                  FailedReading("c", "x", 12345678.0),
                                                  FailedReading("d", "x", 1e300),
                                                  FailedReading("e", "x", 0.0002),
                                                  FailedReading("f", "x", 1700000000.1234567),
                                                  FailedReading("g", "x", 12345678901234567e4),
                                                  FailedReading("h", "x", -2.5)};
  const std::string out = Render(Config{}, readings, UnixTime(kNow));
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_read_duration_seconds{"),
              ElementsAre("wireguard_interface_read_duration_seconds{interface=\"a\"} "
                          "0.30000000000000004",
                          "wireguard_interface_read_duration_seconds{interface=\"b\"} 1e-07",
                          "wireguard_interface_read_duration_seconds{interface=\"c\"} 12345678",
                          "wireguard_interface_read_duration_seconds{interface=\"d\"} 1e+300",
                          // Fixed notation between 1e-4 and 1e16, although longer.
                          "wireguard_interface_read_duration_seconds{interface=\"e\"} 0.0002",
                          "wireguard_interface_read_duration_seconds{interface=\"f\"} "
                          "1700000000.1234567",
                          // Integral but beyond 2^53: not printed as a (made-up) integer.
                          "wireguard_interface_read_duration_seconds{interface=\"g\"} "
                          "1.2345678901234567e+20",
                          "wireguard_interface_read_duration_seconds{interface=\"h\"} -2.5"));
}

TEST(RenderExpositionTest, NanAndInfinitiesAsPrometheusSpellsThem) {
  const std::vector<InterfaceReading> readings = {
      FailedReading("a", "x", std::numeric_limits<double>::quiet_NaN()),
      FailedReading("b", "x", std::numeric_limits<double>::infinity()),
      FailedReading("c", "x", -std::numeric_limits<double>::infinity())};
  const std::string out = Render(Config{}, readings, UnixTime(kNow));
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_read_duration_seconds{"),
              ElementsAre("wireguard_interface_read_duration_seconds{interface=\"a\"} NaN",
                          "wireguard_interface_read_duration_seconds{interface=\"b\"} +Inf",
                          "wireguard_interface_read_duration_seconds{interface=\"c\"} -Inf"));
}

TEST(RenderExpositionTest, PeerThatDisappearsLeavesNoSeries) {
  const std::vector<InterfaceReading> before = {
      ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1), MakePeer(2)}))};
  const std::vector<InterfaceReading> after = {
      ReadingOf(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}))};
  ScrapeData scrape;
  scrape.now = UnixTime(kNow);
  scrape.readings = before;
  std::string out;
  RenderExposition(scrape.Inputs(), out);
  ASSERT_THAT(out, HasSubstr(MakeKey(2).ToBase64()));
  out.clear();  // the buffer is reused, as across scrapes
  scrape.readings = after;
  RenderExposition(scrape.Inputs(), out);
  EXPECT_THAT(out, HasSubstr(MakeKey(1).ToBase64()));
  EXPECT_THAT(out, Not(HasSubstr(MakeKey(2).ToBase64())));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_peers{interface=\"wg0\"} 1"));
}

// Devices report seconds and nanoseconds as two fields, neither bounded (the
// nanoseconds not to one second): any values give a defined, saturated
// handshake time.
TEST(RenderExpositionTest, HandshakeFieldsOutOfRangeDoNotOverflow) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  std::vector<Peer> peers = MakePeers(4);
  peers[0].last_handshake_seconds = kMax;
  peers[1].last_handshake_seconds = kMin;
  peers[2].last_handshake_seconds = kNow;
  peers[2].last_handshake_nanoseconds = kMax;
  peers[3].last_handshake_seconds = -1;
  peers[3].last_handshake_nanoseconds = kMin;
  const std::string out = Render(
      Config{}, {ReadingOf(MakeDevice("wg0", Implementation::kKernel, peers))}, UnixTime(kNow));
  const auto age = [](std::uint8_t seed) {
    return "wireguard_peer_last_handshake_age_seconds{" + PeerLabels("wg0", seed) + "} ";
  };
  const auto online = [](std::uint8_t seed) {
    return "wireguard_peer_online{" + PeerLabels("wg0", seed) + "} ";
  };
  EXPECT_TRUE(HasLine(out, age(0) + "0"));
  EXPECT_TRUE(HasLine(out, online(1) + "0"));
  EXPECT_TRUE(HasLine(out, age(2) + "0"));
  EXPECT_TRUE(HasLine(out, online(2) + "1"));
  EXPECT_TRUE(HasLine(out, age(3) + "9223372036.854776"));
  EXPECT_TRUE(HasLine(out, online(3) + "0"));
}

TEST(StreamExpositionTest, ChunksConcatenateToTheSameText) {
  const GoldenScenario scenario;
  for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{100}, std::size_t{1} << 20}) {
    std::string streamed;
    int chunks = 0;
    const bool complete =
        StreamExposition(scenario.Inputs(), chunk_bytes, [&](std::string_view chunk) {
          EXPECT_FALSE(chunk.empty());
          streamed.append(chunk);
          ++chunks;
          return true;
        });
    EXPECT_TRUE(complete);
    EXPECT_EQ(streamed, scenario.Render()) << chunk_bytes;
    if (chunk_bytes == 100) {
      EXPECT_GT(chunks, 10);
    }
    if (chunk_bytes == std::size_t{1} << 20) {
      EXPECT_EQ(chunks, 1);
    }
  }
}

TEST(StreamExpositionTest, SinkCanStopTheRender) {
  ScrapeData scrape;
  scrape.readings = {ReadingOf(MakeDevice("wg0", Implementation::kKernel, MakePeers(200)))};
  scrape.now = UnixTime(kNow);
  int calls = 0;
  const bool complete =
      StreamExposition(scrape.Inputs(), 1024, [&](std::string_view) { return ++calls < 3; });
  EXPECT_FALSE(complete);
  EXPECT_EQ(calls, 3);
}

}  // namespace
}  // namespace wgx
