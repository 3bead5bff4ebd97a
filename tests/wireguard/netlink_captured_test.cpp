// Real answers of Debian 12's kernel (6.1), recorded inside the kernel test VM
// by tests/kernel/netlink_capture (refresh: WGX_UPDATE_NETLINK_FIXTURES=DIR
// ctest -L kernel). The device wgcap was set up in tests/kernel/vm_init.sh:
//   listen-port 51999, fwmark 0x1234, the fixed private key below
//   peer 000001AA..= preshared key, endpoint 192.0.2.1:51820, keepalive 25,
//                    allowed IPs 10.0.0.1/32 and fd00::1/128
//   peer 000002AA..= endpoint [2001:db8::2]:51821, allowed IPs 10.50.x.y/32 x 1500
//   peer 000003AA..= allowed IPs 10.3.0.0/16
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "exporter/wireguard/key.h"
#include "exporter/wireguard/netlink_parser.h"
#include "tests/support/fixture.h"

namespace wgx::netlink {
namespace {

using ::testing::ElementsAre;

using Records = std::vector<std::vector<std::uint8_t>>;

// Records of a 4-byte little-endian length and that many bytes: the request,
// then each datagram the kernel answered with.
Records ReadCapture(const std::string& name) {
  const std::string path = "netlink/" + name;
  const std::string file = wgx::testing::ReadFixture(path);
  const std::vector<std::uint8_t> bytes(file.begin(), file.end());
  Records records;
  std::size_t offset = 0;
  while (offset + 4 <= bytes.size()) {
    const std::uint32_t length = bytes[offset] | (bytes[offset + 1] << 8) |
                                 (bytes[offset + 2] << 16) |
                                 (static_cast<std::uint32_t>(bytes[offset + 3]) << 24);
    offset += 4;
    if (length > bytes.size() - offset) break;
    records.emplace_back(bytes.begin() + offset, bytes.begin() + offset + length);
    offset += length;
  }
  EXPECT_EQ(offset, bytes.size()) << path << " is not a whole capture";
  EXPECT_GE(records.size(), 2u) << path;
  return records;
}

const nlmsghdr& Request(const Records& records) {
  return *reinterpret_cast<const nlmsghdr*>(records.at(0).data());
}

Key KeyFrom(const char* base64) { return Key::FromBase64(base64).value(); }

bool Contains(const std::vector<std::uint8_t>& haystack, const Key& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.bytes.begin(), needle.bytes.end()) !=
         haystack.end();
}

std::set<std::string> AllowedIpTexts(const Peer& peer) {
  std::set<std::string> texts;
  for (const AllowedIp& ip : peer.allowed_ips) texts.insert(ip.ToString());
  return texts;
}

const Key kPrivateKey = KeyFrom("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=");
const Key kPresharedKey = KeyFrom("FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=");
const Key kPeer1 = KeyFrom("000001AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
const Key kPeer2 = KeyFrom("000002AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
const Key kPeer3 = KeyFrom("000003AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

TEST(NetlinkCapturedTest, KernelDeviceDumpWithASplitPeer) {
  Records records = ReadCapture("kernel-6.1-device-wgcap.bin");
  const nlmsghdr& request = Request(records);

  // What makes this capture worth keeping: the kernel sent the secrets, and
  // split peer 2 over more than one datagram.
  int datagrams_with_peer2 = 0;
  bool secrets_present = false;
  for (std::size_t i = 1; i < records.size(); ++i) {
    if (Contains(records[i], kPeer2)) ++datagrams_with_peer2;
    if (Contains(records[i], kPrivateKey) && Contains(records[i], kPresharedKey)) {
      secrets_present = true;
    }
  }
  EXPECT_GE(datagrams_with_peer2, 2);
  EXPECT_TRUE(secrets_present);

  DeviceDumpParser parser("wgcap", request.nlmsg_type, request.nlmsg_seq);
  for (std::size_t i = 1; i < records.size(); ++i) {
    const FeedStatus expected = i + 1 == records.size() ? FeedStatus::kDone : FeedStatus::kNeedMore;
    ASSERT_EQ(parser.Feed(records[i]), expected)
        << "datagram " << i << ": " << parser.error().message;
    EXPECT_TRUE(
        std::all_of(records[i].begin(), records[i].end(), [](std::uint8_t b) { return b == 0; }))
        << "datagram " << i << " not wiped";
  }
  const auto device = parser.TakeDevice();
  ASSERT_TRUE(device);
  EXPECT_EQ(device->name, "wgcap");
  EXPECT_EQ(device->implementation, Implementation::kKernel);
  EXPECT_EQ(device->listen_port, 51999);
  EXPECT_EQ(device->fwmark, 0x1234u);
  EXPECT_EQ(device->public_key, PublicKeyFromPrivate(kPrivateKey));

  ASSERT_EQ(device->peers.size(), 3u);
  const Peer& peer1 = device->peers[0];
  EXPECT_EQ(peer1.public_key, kPeer1);
  EXPECT_TRUE(peer1.has_preshared_key);
  EXPECT_EQ(peer1.endpoint, "192.0.2.1:51820");
  EXPECT_EQ(peer1.persistent_keepalive_interval, 25);
  EXPECT_EQ(peer1.last_handshake_seconds, 0);
  EXPECT_EQ(peer1.receive_bytes, 0u);
  EXPECT_THAT(AllowedIpTexts(peer1), ElementsAre("10.0.0.1/32", "fd00::1/128"));

  const Peer& peer2 = device->peers[1];
  EXPECT_EQ(peer2.public_key, kPeer2);
  EXPECT_FALSE(peer2.has_preshared_key);
  EXPECT_EQ(peer2.endpoint, "[2001:db8::2]:51821");
  EXPECT_EQ(peer2.persistent_keepalive_interval, 0);
  std::set<std::string> expected_ips;
  for (int j = 0; j < 1500; ++j) {
    expected_ips.insert("10.50." + std::to_string(j / 256) + "." + std::to_string(j % 256) + "/32");
  }
  EXPECT_EQ(peer2.allowed_ips.size(), 1500u);
  EXPECT_EQ(AllowedIpTexts(peer2), expected_ips);

  const Peer& peer3 = device->peers[2];
  EXPECT_EQ(peer3.public_key, kPeer3);
  EXPECT_EQ(peer3.endpoint, "");
  EXPECT_THAT(AllowedIpTexts(peer3), ElementsAre("10.3.0.0/16"));

  // No key the device holds is a secret.
  std::vector<Key> held{*device->public_key};
  for (const Peer& peer : device->peers) held.push_back(peer.public_key);
  for (const Key& key : held) {
    EXPECT_NE(key, kPrivateKey);
    EXPECT_NE(key, kPresharedKey);
  }
}

TEST(NetlinkCapturedTest, KernelLinkDumpFindsTheWireGuardLink) {
  Records records = ReadCapture("kernel-6.1-links.bin");
  LinkDumpParser parser(Request(records).nlmsg_seq);
  FeedStatus status = FeedStatus::kNeedMore;
  for (std::size_t i = 1; i < records.size(); ++i) status = parser.Feed(records[i]);
  ASSERT_EQ(status, FeedStatus::kDone) << parser.error().message;
  EXPECT_THAT(parser.wireguard_links(), ElementsAre(KernelLink{"wgcap", Protocol::kWireGuard}));
}

TEST(NetlinkCapturedTest, KernelFamilyReplyGivesTheIdTheDumpUsed) {
  Records family = ReadCapture("kernel-6.1-family.bin");
  FamilyReplyParser parser("wireguard", Request(family).nlmsg_seq);
  FeedStatus status = FeedStatus::kNeedMore;
  for (std::size_t i = 1; i < family.size(); ++i) status = parser.Feed(family[i]);
  ASSERT_EQ(status, FeedStatus::kDone) << parser.error().message;
  const Records device = ReadCapture("kernel-6.1-device-wgcap.bin");
  EXPECT_EQ(parser.family_id(), Request(device).nlmsg_type);
}

}  // namespace
}  // namespace wgx::netlink
