// Dumps of the amneziawg kernel module, laid out as its netlink.c writes
// them, and its links beside WireGuard's in an RTM_GETLINK dump.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "exporter/wireguard/netlink_parser.h"
#include "tests/wireguard/netlink_amneziawg_messages.h"

namespace wgx::netlink {
namespace {

using testing::AddAwgDeviceMessage;
using testing::AddTypicalAwgDump;
using testing::Answer;
using testing::AwgDeviceMessage;
using testing::AwgPeerMessage;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kFamilyId;
using testing::kSequence;
using testing::TestKey;

DeviceDumpResult Parse(const Answer& answer, Protocol protocol) {
  std::vector<std::uint8_t> bytes = answer.bytes();
  std::vector<std::span<std::uint8_t>> spans{std::span(bytes)};
  return ParseDeviceDump("awg0", kFamilyId, kSequence, spans, protocol);
}

TEST(NetlinkAmneziawgTest, TypicalDumpGivesDeviceSettingsAndPeers) {
  Answer answer;
  AddTypicalAwgDump(answer);
  const DeviceDumpResult result = Parse(answer, Protocol::kAmneziaWg);
  ASSERT_TRUE(result.device.has_value()) << result.error.message;
  const Device& device = *result.device;
  EXPECT_EQ(device.protocol, Protocol::kAmneziaWg);
  EXPECT_EQ(device.implementation, Implementation::kKernel);
  EXPECT_EQ(device.public_key, TestKey(0x42));
  EXPECT_EQ(device.listen_port, 51820);
  ASSERT_TRUE(device.amnezia.has_value());
  EXPECT_EQ(device.amnezia->junk_count, 4u);
  EXPECT_EQ(device.amnezia->junk_min, 40u);
  EXPECT_EQ(device.amnezia->junk_max, 70u);
  EXPECT_EQ(device.amnezia->padding, (std::array<std::uint32_t, 4>{15, 18, 20, 23}));
  EXPECT_EQ(device.amnezia->headers[0], (ValueRange{1020325451, 1020325451}));
  EXPECT_EQ(device.amnezia->headers[2], (ValueRange{1766607858, 1766607900}));
  ASSERT_EQ(device.peers.size(), 2u);
  const Peer& first = device.peers[0];
  EXPECT_EQ(first.public_key, TestKey(0x51));
  EXPECT_FALSE(first.has_preshared_key);
  EXPECT_EQ(first.last_handshake_seconds, 1'700'000'000);
  EXPECT_EQ(first.last_handshake_nanoseconds, 5);
  EXPECT_EQ(first.persistent_keepalive_interval, 30);  // the range 20-30
  EXPECT_EQ(first.transmit_bytes, 488u);
  EXPECT_EQ(first.receive_bytes, 92u);
  EXPECT_EQ(first.endpoint, "198.51.100.7:51820");
  EXPECT_EQ(device.peers[1].persistent_keepalive_interval, 25);
  EXPECT_EQ(device.peers[1].allowed_ips.size(), 2u);
}

TEST(NetlinkAmneziawgTest, ReadAsWireguardTheDumpIsRefused) {
  // Why the dialect matters: WireGuard's keepalive is a u16, the module's a u32.
  Answer answer;
  AddTypicalAwgDump(answer);
  const DeviceDumpResult result = Parse(answer, Protocol::kWireGuard);
  EXPECT_FALSE(result.device.has_value());
  EXPECT_THAT(result.error.message, HasSubstr("persistent keepalive interval"));
}

TEST(NetlinkAmneziawgTest, OlderModuleWithoutHeaderRangesOrProtection) {
  AwgDeviceMessage device;
  device.headers = {1, 2, 3, 4};  // plain values, no high half
  device.with_header_protection = false;
  AwgPeerMessage peer;
  peer.public_key = TestKey(0x61);
  Answer answer;
  AddAwgDeviceMessage(answer, device, {peer});
  answer.AddDone(0, kSequence);
  const DeviceDumpResult result = Parse(answer, Protocol::kAmneziaWg);
  ASSERT_TRUE(result.device.has_value()) << result.error.message;
  EXPECT_EQ(result.device->amnezia->headers[3], (ValueRange{4, 4}));
  EXPECT_FALSE(result.device->public_key.has_value());
}

TEST(NetlinkAmneziawgTest, MalformedSettingsAreRefused) {
  Answer answer;
  nlmsghdr* message = answer.BeginDevice();
  mnl_attr_put_strz(message, WGDEVICE_A_IFNAME, "awg0");
  mnl_attr_put_u32(message, amneziawg::kJunkCount, 4);  // u16 in the module
  answer.End(message);
  answer.AddDone(0, kSequence);
  DeviceDumpResult result = Parse(answer, Protocol::kAmneziaWg);
  EXPECT_FALSE(result.device.has_value());
  EXPECT_THAT(result.error.message, HasSubstr("AmneziaWG junk or padding setting length"));

  Answer headers;
  message = headers.BeginDevice();
  mnl_attr_put_u32(message, amneziawg::kHeader2, 7);  // u64 in the module
  headers.End(message);
  headers.AddDone(0, kSequence);
  result = Parse(headers, Protocol::kAmneziaWg);
  EXPECT_FALSE(result.device.has_value());
  EXPECT_THAT(result.error.message, HasSubstr("AmneziaWG header setting length"));
}

TEST(NetlinkAmneziawgTest, LinkDumpTellsTheKinds) {
  Answer answer;
  testing::AddLink(answer, 1, "lo", "", kSequence);
  testing::AddLink(answer, 2, "wg0", "wireguard", kSequence);
  testing::AddLink(answer, 3, "awg0", "amneziawg", kSequence);
  testing::AddLink(answer, 4, "amneziawg", "tun", kSequence);
  answer.AddDone(0, kSequence);
  LinkDumpParser parser(kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_THAT(parser.wireguard_links(), ElementsAre(KernelLink{"wg0", Protocol::kWireGuard},
                                                    KernelLink{"awg0", Protocol::kAmneziaWg}));
  EXPECT_THAT(parser.all_links(), ElementsAre("lo", "wg0", "awg0", "amneziawg"));
}

TEST(NetlinkAmneziawgTest, RequestsNameTheFamilyVersion) {
  const auto request = BuildGetDeviceRequest("awg0", 0x22, 7, Protocol::kAmneziaWg);
  ASSERT_GE(request.size(), sizeof(nlmsghdr) + sizeof(genlmsghdr));
  const auto* genl = reinterpret_cast<const genlmsghdr*>(request.data() + sizeof(nlmsghdr));
  EXPECT_EQ(genl->cmd, WG_CMD_GET_DEVICE);
  EXPECT_EQ(genl->version, 3);
  const auto plain = BuildGetDeviceRequest("wg0", 0x22, 7);
  EXPECT_EQ(reinterpret_cast<const genlmsghdr*>(plain.data() + sizeof(nlmsghdr))->version, 1);
  // The link dump asks for every kind.
  const auto links = BuildGetLinkDumpRequest(7);
  EXPECT_EQ(links.size(), NLMSG_ALIGN(sizeof(nlmsghdr)) + NLMSG_ALIGN(sizeof(ifinfomsg)));
}

}  // namespace
}  // namespace wgx::netlink
