// The landing page's figures come from the same rules as the exposition.
#include "exporter/metrics/summary.h"

#include <gtest/gtest.h>

#include "tests/metrics/fixtures.h"

namespace wgx {
namespace {

using namespace wgx::testing;  // NOLINT(google-build-using-namespace): test builders

constexpr std::int64_t kNow = 1'700'000'000;

TEST(SummarizeScrapeTest, InterfacesSortedWithStatePeersAndOnlineByTheirThreshold) {
  Config config;
  InterfaceConfig wg0;
  wg0.name = "wg0";
  wg0.online_threshold = std::chrono::seconds(60);
  config.interfaces = {wg0};
  Peer fresh = MakePeer(1);
  fresh.last_handshake_seconds = kNow - 60;  // exactly at the threshold: online
  Peer stale = MakePeer(2);
  stale.last_handshake_seconds = kNow - 61;
  Peer never = MakePeer(3);
  Device device = MakeDevice("wg0", Implementation::kKernel, {fresh, stale, never});
  device.listen_port = 51820;
  std::vector<InterfaceReading> readings = {
      FailedReading("wg2", "timed out after 2s", 2.0),
      ReadingOf(device),
      ReadingOf(MakeDevice("wg1", Implementation::kUserspace, {stale})),
  };
  readings.push_back(ReadingOf(MakeDevice("wg0", Implementation::kKernel, {fresh})));
  readings.back().interface.netns = "vpn";
  const std::vector<NamespaceStatus> namespaces = {NamespaceStatus{},
                                                   NamespaceStatus{"vpn", true, {}},
                                                   NamespaceStatus{"gone", false, "no such"}};
  const ScrapeSummary summary = SummarizeScrape(config, readings, namespaces, UnixTime(kNow));

  ASSERT_EQ(summary.interfaces.size(), 4u);
  const InterfaceSummary& own_wg0 = summary.interfaces[0];
  EXPECT_EQ(own_wg0.name, "wg0");
  EXPECT_TRUE(own_wg0.up);
  EXPECT_TRUE(own_wg0.listed);
  EXPECT_EQ(own_wg0.implementation, "kernel");
  EXPECT_EQ(own_wg0.listen_port, 51820);
  EXPECT_EQ(own_wg0.peers, 3u);
  EXPECT_EQ(own_wg0.peers_online, 1u);
  EXPECT_EQ(summary.interfaces[1].name, "wg1");
  EXPECT_EQ(summary.interfaces[1].peers_online, 1u);  // default threshold: 3 minutes
  EXPECT_FALSE(summary.interfaces[1].listed);
  EXPECT_EQ(summary.interfaces[2].name, "wg2");
  EXPECT_FALSE(summary.interfaces[2].up);
  EXPECT_EQ(summary.interfaces[2].error, "timed out after 2s");
  EXPECT_EQ(summary.interfaces[3].netns, "vpn");

  ASSERT_EQ(summary.namespaces.size(), 3u);
  EXPECT_EQ(summary.namespaces[0].interfaces, 3u);
  EXPECT_EQ(summary.namespaces[1].interfaces, 1u);
  EXPECT_FALSE(summary.namespaces[2].up);
  EXPECT_EQ(summary.namespaces[2].error, "no such");
  EXPECT_EQ(summary.read_at, UnixTime(kNow));
}

}  // namespace
}  // namespace wgx
