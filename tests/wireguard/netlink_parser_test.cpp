#include "exporter/wireguard/netlink_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <vector>

#include "tests/wireguard/netlink_test_messages.h"

namespace wgx::netlink {
namespace {

using testing::Answer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kFamilyId;
using testing::kSequence;
using testing::MakeAllowedIp;
using testing::PeerMessage;
using testing::Sockaddr4;
using testing::Sockaddr6;
using testing::TestKey;

DeviceDumpResult ParseBuffers(std::vector<std::vector<std::uint8_t>> buffers) {
  std::vector<std::span<std::uint8_t>> spans(buffers.begin(), buffers.end());
  return ParseDeviceDump("wg0", kFamilyId, kSequence, spans);
}

DeviceDumpResult ParseOne(std::vector<std::uint8_t> buffer) {
  std::vector<std::vector<std::uint8_t>> buffers;
  buffers.push_back(std::move(buffer));
  return ParseBuffers(std::move(buffers));
}

// The peer the parser should produce from `message` (not a continuation).
Peer ExpectedPeer(const PeerMessage& message, std::string endpoint) {
  Peer peer;
  peer.public_key = message.public_key;
  peer.has_preshared_key = message.preshared_key && !message.preshared_key->IsZero();
  peer.endpoint = std::move(endpoint);
  peer.last_handshake_seconds = message.handshake_seconds;
  peer.last_handshake_nanoseconds = message.handshake_nanoseconds;
  peer.receive_bytes = message.receive_bytes;
  peer.transmit_bytes = message.transmit_bytes;
  peer.persistent_keepalive_interval = message.keepalive;
  peer.allowed_ips = message.allowed_ips;
  return peer;
}

PeerMessage NumberedPeer(int n) {
  PeerMessage peer;
  peer.public_key = TestKey(static_cast<std::uint8_t>(n * 7 + 1));
  peer.endpoint = Sockaddr4("192.0.2." + std::to_string(n), static_cast<std::uint16_t>(50000 + n));
  peer.handshake_seconds = 1700000000 + n;
  peer.receive_bytes = std::uint64_t{1000} * static_cast<unsigned>(n);
  peer.transmit_bytes = std::uint64_t{2000} * static_cast<unsigned>(n);
  peer.allowed_ips = {MakeAllowedIp("10.0." + std::to_string(n) + ".0", 24)};
  return peer;
}

bool Contains(const std::vector<std::uint8_t>& haystack, const Key& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.bytes.begin(), needle.bytes.end()) !=
         haystack.end();
}

TEST(NetlinkDeviceDumpTest, ParsesSimpleDevice) {
  PeerMessage peer;
  peer.public_key = TestKey(100);
  peer.preshared_key = TestKey(150);
  peer.endpoint = Sockaddr4("203.0.113.7", 51820);
  peer.handshake_seconds = 1712345678;
  peer.handshake_nanoseconds = 123456789;
  peer.receive_bytes = 123456789012ULL;
  peer.transmit_bytes = 987654321ULL;
  peer.keepalive = 25;
  peer.allowed_ips = {MakeAllowedIp("10.1.0.2", 32), MakeAllowedIp("fd00:1::2", 128)};

  Answer answer;
  answer.AddFirstDeviceMessage({.name = "wg0",
                                .private_key = TestKey(1),
                                .public_key = TestKey(33),
                                .listen_port = 51820,
                                .fwmark = 0x2a},
                               {peer});
  answer.AddDone();

  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  Device expected;
  expected.name = "wg0";
  expected.implementation = Implementation::kKernel;
  expected.public_key = TestKey(33);
  expected.listen_port = 51820;
  expected.fwmark = 0x2a;
  expected.peers = {ExpectedPeer(peer, "203.0.113.7:51820")};
  EXPECT_EQ(*result.device, expected);
  EXPECT_TRUE(result.device->peers[0].has_preshared_key);
}

TEST(NetlinkDeviceDumpTest, DeviceWithoutKeyOrPeers) {
  Answer answer;
  answer.AddFirstDeviceMessage({.name = "wg0"}, {});
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  EXPECT_FALSE(result.device->public_key);
  EXPECT_TRUE(result.device->peers.empty());
}

TEST(NetlinkDeviceDumpTest, ZeroPresharedKeyMeansNone) {
  PeerMessage peer = NumberedPeer(1);
  peer.preshared_key = Key{};
  Answer answer;
  answer.AddFirstDeviceMessage({}, {peer});
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  EXPECT_FALSE(result.device->peers.at(0).has_preshared_key);
}

TEST(NetlinkDeviceDumpTest, SeveralPeersOverSeveralMessagesAndBuffers) {
  std::vector<PeerMessage> peers;
  for (int n = 1; n <= 7; ++n) peers.push_back(NumberedPeer(n));

  // Three receive buffers: the first holds two messages, NLMSG_DONE comes alone.
  Answer first;
  first.AddFirstDeviceMessage({.public_key = TestKey(9), .listen_port = 5555},
                              {peers[0], peers[1]});
  first.AddPeersMessage({peers[2], peers[3]});
  Answer second;
  second.AddPeersMessage({peers[4], peers[5], peers[6]});
  Answer last;
  last.AddDone();

  DeviceDumpParser parser("wg0", kFamilyId, kSequence);
  auto bytes = first.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kNeedMore);
  bytes = second.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kNeedMore);
  bytes = last.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  auto device = parser.TakeDevice();
  ASSERT_TRUE(device);
  EXPECT_EQ(device->listen_port, 5555);
  ASSERT_EQ(device->peers.size(), 7u);
  for (int n = 1; n <= 7; ++n) {
    const std::string endpoint = "192.0.2." + std::to_string(n) + ":" + std::to_string(50000 + n);
    EXPECT_EQ(device->peers[n - 1], ExpectedPeer(peers[n - 1], endpoint)) << "peer " << n;
  }
}

TEST(NetlinkDeviceDumpTest, PeerSplitAcrossMessagesIsMerged) {
  PeerMessage split = NumberedPeer(1);
  split.allowed_ips = {MakeAllowedIp("10.0.0.0", 24), MakeAllowedIp("10.0.1.0", 24)};
  PeerMessage rest;
  rest.public_key = split.public_key;
  rest.continuation = true;
  rest.allowed_ips = {MakeAllowedIp("10.0.2.0", 24), MakeAllowedIp("fd00::", 64)};
  PeerMessage after = NumberedPeer(2);

  Answer answer;
  answer.AddFirstDeviceMessage({}, {NumberedPeer(3), split});
  answer.AddPeersMessage({rest, after});
  answer.AddDone();

  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  ASSERT_EQ(result.device->peers.size(), 3u);
  const Peer& merged = result.device->peers[1];
  EXPECT_EQ(merged.public_key, split.public_key);
  EXPECT_THAT(merged.allowed_ips,
              ElementsAre(MakeAllowedIp("10.0.0.0", 24), MakeAllowedIp("10.0.1.0", 24),
                          MakeAllowedIp("10.0.2.0", 24), MakeAllowedIp("fd00::", 64)));
  // The continuation carries no statistics; the first part's stay.
  EXPECT_EQ(merged.receive_bytes, split.receive_bytes);
  EXPECT_EQ(merged.endpoint, "192.0.2.1:50001");
  EXPECT_EQ(result.device->peers[2].public_key, after.public_key);
}

TEST(NetlinkDeviceDumpTest, PeerSplitOverThreeMessagesIsMerged) {
  PeerMessage split = NumberedPeer(1);
  split.allowed_ips = {MakeAllowedIp("10.9.0.0", 16)};
  PeerMessage rest = {.public_key = split.public_key, .continuation = true};
  rest.allowed_ips = {MakeAllowedIp("10.9.1.0", 24)};
  PeerMessage more = {.public_key = split.public_key, .continuation = true};
  more.allowed_ips = {MakeAllowedIp("10.9.2.0", 24)};

  Answer answer;
  answer.AddFirstDeviceMessage({}, {split});
  answer.AddPeersMessage({rest});
  answer.AddPeersMessage({more});
  answer.AddDone();

  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  ASSERT_EQ(result.device->peers.size(), 1u);
  EXPECT_EQ(result.device->peers[0].allowed_ips.size(), 3u);
}

TEST(NetlinkDeviceDumpTest, NextMessageStartingAnotherPeerIsNotMerged) {
  PeerMessage first = NumberedPeer(1);
  PeerMessage second = NumberedPeer(2);
  Answer answer;
  answer.AddFirstDeviceMessage({}, {first});
  answer.AddPeersMessage({second});
  answer.AddDone();

  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  ASSERT_EQ(result.device->peers.size(), 2u);
  EXPECT_EQ(result.device->peers[0], ExpectedPeer(first, "192.0.2.1:50001"));
  EXPECT_EQ(result.device->peers[1], ExpectedPeer(second, "192.0.2.2:50002"));
}

TEST(NetlinkDeviceDumpTest, EndpointsAndAllowedIpsOfBothFamilies) {
  PeerMessage v4 = NumberedPeer(1);
  v4.endpoint = Sockaddr4("198.51.100.200", 443);
  v4.allowed_ips = {MakeAllowedIp("0.0.0.0", 0), MakeAllowedIp("192.168.7.0", 24)};
  PeerMessage v6 = NumberedPeer(2);
  v6.endpoint = Sockaddr6("2001:db8::1", 51820);
  v6.allowed_ips = {MakeAllowedIp("::", 0), MakeAllowedIp("2001:db8:ffff::", 48)};
  PeerMessage scoped = NumberedPeer(3);
  scoped.endpoint = Sockaddr6("fe80::1", 7, 3);
  PeerMessage none = NumberedPeer(4);
  none.endpoint.clear();

  Answer answer;
  answer.AddFirstDeviceMessage({}, {v4, v6, scoped, none});
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  ASSERT_TRUE(result.device) << result.error.message;
  const auto& peers = result.device->peers;
  ASSERT_EQ(peers.size(), 4u);
  EXPECT_EQ(peers[0].endpoint, "198.51.100.200:443");
  EXPECT_EQ(peers[1].endpoint, "[2001:db8::1]:51820");
  EXPECT_EQ(peers[2].endpoint, "[fe80::1%3]:7");
  EXPECT_EQ(peers[3].endpoint, "");
  ASSERT_EQ(peers[0].allowed_ips.size(), 2u);
  EXPECT_EQ(peers[0].allowed_ips[0].ToString(), "0.0.0.0/0");
  EXPECT_EQ(peers[0].allowed_ips[1].ToString(), "192.168.7.0/24");
  ASSERT_EQ(peers[1].allowed_ips.size(), 2u);
  EXPECT_EQ(peers[1].allowed_ips[0].ToString(), "::/0");
  EXPECT_EQ(peers[1].allowed_ips[1].ToString(), "2001:db8:ffff::/48");
}

TEST(NetlinkDeviceDumpTest, KernelErrorBecomesErrnoAndText) {
  Answer answer;
  answer.AddError(-EPERM);
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EPERM);
  EXPECT_EQ(result.error.message, "Operation not permitted");
}

TEST(NetlinkDeviceDumpTest, ErrorAfterSomeMessagesDiscardsTheDevice) {
  Answer answer;
  answer.AddFirstDeviceMessage({}, {NumberedPeer(1)});
  answer.AddError(-ENODEV);
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, ENODEV);
}

TEST(NetlinkDeviceDumpTest, DoneCarryingAnErrorIsAnError) {
  Answer answer;
  answer.AddFirstDeviceMessage({}, {NumberedPeer(1)});
  answer.AddDone(-EMSGSIZE);
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EMSGSIZE);
}

TEST(NetlinkDeviceDumpTest, InterruptedDumpIsReportedAsEintr) {
  Answer answer;
  nlmsghdr* message = answer.BeginDevice();
  message->nlmsg_flags |= NLM_F_DUMP_INTR;
  mnl_attr_put_u16(message, WGDEVICE_A_LISTEN_PORT, 1);
  answer.End(message);
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EINTR);
}

TEST(NetlinkDeviceDumpTest, AnswerWithoutDoneIsIncomplete) {
  Answer answer;
  answer.AddFirstDeviceMessage({}, {NumberedPeer(1)});
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EBADMSG);
}

TEST(NetlinkDeviceDumpTest, AnswerToAnotherSequenceIsRejected) {
  Answer answer;
  nlmsghdr* message = answer.BeginDevice(kFamilyId, kSequence + 1);
  answer.End(message);
  answer.AddDone(0, kSequence + 1);
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_THAT(result.error.message, HasSubstr("another request"));
}

TEST(NetlinkDeviceDumpTest, MessageOfAnotherFamilyIsRejected) {
  Answer answer;
  nlmsghdr* message = answer.BeginDevice(kFamilyId + 1);
  answer.End(message);
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EBADMSG);
}

TEST(NetlinkDeviceDumpTest, PrivateKeyNeverReachesTheDeviceAndBuffersAreWiped) {
  const Key private_key = TestKey(200);
  const Key preshared_key = TestKey(210);
  PeerMessage peer = NumberedPeer(1);
  peer.preshared_key = preshared_key;
  Answer answer;
  answer.AddFirstDeviceMessage({.private_key = private_key, .public_key = TestKey(50)}, {peer});
  answer.AddDone();
  std::vector<std::uint8_t> buffer = answer.bytes();
  ASSERT_TRUE(Contains(buffer, private_key));

  DeviceDumpParser parser("wg0", kFamilyId, kSequence);
  ASSERT_EQ(parser.Feed(buffer), FeedStatus::kDone);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](std::uint8_t b) { return b == 0; }));

  auto device = parser.TakeDevice();
  ASSERT_TRUE(device);
  EXPECT_EQ(device->public_key, TestKey(50));
  // Every key the device holds, byte for byte: neither secret is among them.
  std::vector<std::uint8_t> held(device->public_key->bytes.begin(),
                                 device->public_key->bytes.end());
  for (const Peer& p : device->peers) {
    held.insert(held.end(), p.public_key.bytes.begin(), p.public_key.bytes.end());
  }
  EXPECT_FALSE(Contains(held, private_key));
  EXPECT_FALSE(Contains(held, preshared_key));
  EXPECT_TRUE(device->peers.at(0).has_preshared_key);
}

TEST(NetlinkDeviceDumpTest, BuffersAreWipedEvenOnError) {
  Answer answer;
  answer.AddFirstDeviceMessage({.private_key = TestKey(200)}, {});
  nlmsghdr* bad = answer.BeginDevice();
  mnl_attr_put_u32(bad, WGDEVICE_A_LISTEN_PORT, 1);  // a u16 attribute sent as u32
  answer.End(bad);
  std::vector<std::uint8_t> buffer = answer.bytes();
  DeviceDumpParser parser("wg0", kFamilyId, kSequence);
  EXPECT_EQ(parser.Feed(buffer), FeedStatus::kError);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](std::uint8_t b) { return b == 0; }));
}

TEST(NetlinkDeviceDumpTest, UnalignedBufferIsParsed) {
  Answer answer;
  answer.AddFirstDeviceMessage({.listen_port = 4242}, {NumberedPeer(1)});
  answer.AddDone();
  const auto bytes = answer.bytes();
  std::vector<std::uint8_t> storage(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), storage.begin() + 1);
  DeviceDumpParser parser("wg0", kFamilyId, kSequence);
  ASSERT_EQ(parser.Feed(std::span(storage).subspan(1)), FeedStatus::kDone);
  EXPECT_EQ(parser.TakeDevice()->listen_port, 4242);
}

// Each malformed message appended to a valid first message must fail the
// whole read with EBADMSG.
class MalformedDeviceMessageTest : public ::testing::Test {
 protected:
  using Fill = std::function<void(nlmsghdr*)>;

  DeviceDumpResult ParseWith(const Fill& fill) {
    Answer answer;
    answer.AddFirstDeviceMessage({}, {NumberedPeer(1)});
    nlmsghdr* message = answer.BeginDevice();
    fill(message);
    answer.End(message);
    answer.AddDone();
    return ParseOne(answer.bytes());
  }

  static void ExpectMalformed(const DeviceDumpResult& result) {
    EXPECT_FALSE(result.device);
    EXPECT_EQ(result.error.error_number, EBADMSG) << result.error.message;
  }

  static void PutPeerAttributes(nlmsghdr* message, const Fill& fill) {
    nlattr* peers = mnl_attr_nest_start(message, WGDEVICE_A_PEERS);
    nlattr* peer = mnl_attr_nest_start(message, 0);
    fill(message);
    mnl_attr_nest_end(message, peer);
    mnl_attr_nest_end(message, peers);
  }
};

TEST_F(MalformedDeviceMessageTest, WrongDeviceAttributeLengths) {
  ExpectMalformed(ParseWith([](nlmsghdr* m) { mnl_attr_put_u32(m, WGDEVICE_A_LISTEN_PORT, 1); }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) { mnl_attr_put_u16(m, WGDEVICE_A_FWMARK, 1); }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    const std::uint8_t short_key[31] = {};
    mnl_attr_put(m, WGDEVICE_A_PUBLIC_KEY, sizeof short_key, short_key);
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    const std::uint8_t long_key[33] = {};
    mnl_attr_put(m, WGDEVICE_A_PRIVATE_KEY, sizeof long_key, long_key);
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    const char unterminated[3] = {'w', 'g', '0'};
    mnl_attr_put(m, WGDEVICE_A_IFNAME, sizeof unterminated, unterminated);
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) { mnl_attr_put_u8(m, WGDEVICE_A_PEERS, 1); }));
}

TEST_F(MalformedDeviceMessageTest, WrongPeerAttributes) {
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    PutPeerAttributes(m, [](nlmsghdr* m) { mnl_attr_put_u16(m, WGPEER_A_RX_BYTES, 1); });
  }));
  // A peer without a public key.
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    PutPeerAttributes(m, [](nlmsghdr* m) { mnl_attr_put_u64(m, WGPEER_A_RX_BYTES, 1); });
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    PutPeerAttributes(m, [](nlmsghdr* m) {
      const Key key = TestKey(1);
      mnl_attr_put(m, WGPEER_A_PUBLIC_KEY, kKeyLength, key.bytes.data());
      const std::uint8_t half_time[8] = {};
      mnl_attr_put(m, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof half_time, half_time);
    });
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    PutPeerAttributes(m, [](nlmsghdr* m) {
      const Key key = TestKey(1);
      mnl_attr_put(m, WGPEER_A_PUBLIC_KEY, kKeyLength, key.bytes.data());
      auto endpoint = Sockaddr4("192.0.2.1", 1);
      endpoint[0] = 99;  // sa_family neither AF_INET nor AF_INET6
      endpoint[1] = 0;
      mnl_attr_put(m, WGPEER_A_ENDPOINT, endpoint.size(), endpoint.data());
    });
  }));
  ExpectMalformed(ParseWith([](nlmsghdr* m) {
    PutPeerAttributes(m, [](nlmsghdr* m) {
      const Key key = TestKey(1);
      mnl_attr_put(m, WGPEER_A_PUBLIC_KEY, kKeyLength, key.bytes.data());
      auto endpoint = Sockaddr6("2001:db8::1", 1);
      mnl_attr_put(m, WGPEER_A_ENDPOINT, 20, endpoint.data());  // cut short
    });
  }));
}

TEST_F(MalformedDeviceMessageTest, WrongAllowedIps) {
  auto with_allowed_ip = [](std::uint16_t family, std::size_t address_length, std::uint8_t cidr) {
    return [=](nlmsghdr* m) {
      const Key key = TestKey(1);
      mnl_attr_put(m, WGPEER_A_PUBLIC_KEY, kKeyLength, key.bytes.data());
      nlattr* list = mnl_attr_nest_start(m, WGPEER_A_ALLOWEDIPS);
      nlattr* entry = mnl_attr_nest_start(m, 0);
      mnl_attr_put_u16(m, WGALLOWEDIP_A_FAMILY, family);
      const std::uint8_t address[16] = {10};
      mnl_attr_put(m, WGALLOWEDIP_A_IPADDR, address_length, address);
      mnl_attr_put_u8(m, WGALLOWEDIP_A_CIDR_MASK, cidr);
      mnl_attr_nest_end(m, entry);
      mnl_attr_nest_end(m, list);
    };
  };
  auto run = [&](const Fill& peer_attributes) {
    return ParseWith([&](nlmsghdr* m) { PutPeerAttributes(m, peer_attributes); });
  };
  // Sanity: the good shape parses, so the failures below are about the defect.
  DeviceDumpResult good = run(with_allowed_ip(AF_INET, 4, 32));
  ASSERT_TRUE(good.device) << good.error.message;
  ASSERT_EQ(good.device->peers.size(), 2u);
  EXPECT_EQ(good.device->peers[1].allowed_ips.at(0).ToString(), "10.0.0.0/32");

  ExpectMalformed(run(with_allowed_ip(AF_INET, 4, 33)));
  ExpectMalformed(run(with_allowed_ip(AF_INET6, 16, 129)));
  ExpectMalformed(run(with_allowed_ip(AF_INET, 16, 24)));
  ExpectMalformed(run(with_allowed_ip(AF_INET6, 4, 24)));
  ExpectMalformed(run(with_allowed_ip(AF_INET, 5, 24)));
  ExpectMalformed(run(with_allowed_ip(AF_UNIX, 4, 8)));
}

// As on the UAPI path: seconds from 0 on, nanoseconds within one second.
TEST(NetlinkDeviceDumpTest, HandshakeTimeOutOfRangeIsMalformed) {
  const auto parse_handshake = [](std::int64_t seconds, std::int64_t nanoseconds) {
    PeerMessage peer = NumberedPeer(1);
    peer.handshake_seconds = seconds;
    peer.handshake_nanoseconds = nanoseconds;
    Answer answer;
    answer.AddFirstDeviceMessage({}, {peer});
    answer.AddDone();
    return ParseOne(answer.bytes());
  };
  const DeviceDumpResult edge = parse_handshake(0, 999'999'999);
  ASSERT_TRUE(edge.device) << edge.error.message;
  EXPECT_EQ(edge.device->peers.at(0).last_handshake_nanoseconds, 999'999'999);

  for (const std::int64_t nanoseconds : {std::int64_t{1'000'000'000}, std::int64_t{-1}}) {
    const DeviceDumpResult result = parse_handshake(1712345678, nanoseconds);
    EXPECT_FALSE(result.device) << nanoseconds;
    EXPECT_EQ(result.error.error_number, EBADMSG);
    EXPECT_EQ(result.error.message,
              "malformed netlink answer: last handshake time nanoseconds outside 0..999999999");
  }
  const DeviceDumpResult negative = parse_handshake(-1, 0);
  EXPECT_FALSE(negative.device);
  EXPECT_EQ(negative.error.error_number, EBADMSG);
  EXPECT_EQ(negative.error.message,
            "malformed netlink answer: last handshake time seconds negative");
}

TEST(NetlinkDeviceDumpTest, AttributeOverrunningItsMessageIsMalformed) {
  Answer answer;
  nlmsghdr* message = answer.BeginDevice();
  mnl_attr_put_u32(message, WGDEVICE_A_FWMARK, 5);
  mnl_attr_put_u16(message, WGDEVICE_A_LISTEN_PORT, 5);
  // The last attribute claims more bytes than the message has left.
  auto* last = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(message) + message->nlmsg_len - 8);
  last->nla_len = 40;
  answer.End(message);
  answer.AddDone();
  DeviceDumpResult result = ParseOne(answer.bytes());
  EXPECT_FALSE(result.device);
  EXPECT_EQ(result.error.error_number, EBADMSG);
}

TEST(NetlinkDeviceDumpTest, EveryTruncationFailsOrWaitsButNeverCompletes) {
  Answer answer;
  PeerMessage split = NumberedPeer(1);
  answer.AddFirstDeviceMessage({.private_key = TestKey(1), .public_key = TestKey(2)},
                               {split, NumberedPeer(2)});
  answer.AddPeersMessage({NumberedPeer(3)});
  answer.AddDone();
  const auto whole = answer.bytes();
  for (std::size_t length = 0; length < whole.size(); ++length) {
    std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + length);
    DeviceDumpParser parser("wg0", kFamilyId, kSequence);
    EXPECT_NE(parser.Feed(cut), FeedStatus::kDone) << "length " << length;
    EXPECT_FALSE(parser.TakeDevice());
  }
}

TEST(NetlinkDeviceDumpTest, CorruptedBytesNeverCrash) {
  Answer answer;
  answer.AddFirstDeviceMessage({.private_key = TestKey(1), .public_key = TestKey(2)},
                               {NumberedPeer(1), NumberedPeer(2)});
  answer.AddDone();
  const auto whole = answer.bytes();
  int completed = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    for (std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x03}}) {
      auto corrupted = whole;
      corrupted[i] = value;
      DeviceDumpParser parser("wg0", kFamilyId, kSequence);
      if (parser.Feed(corrupted) == FeedStatus::kDone) ++completed;
    }
  }
  // Some bytes (counters, key bytes) may take any value; many may not.
  EXPECT_GT(completed, 0);
  EXPECT_LT(completed, static_cast<int>(whole.size() * 3));
}

TEST(NetlinkDeviceDumpTest, FeedAfterTheEndChangesNothing) {
  Answer answer;
  answer.AddFirstDeviceMessage({.listen_port = 1}, {});
  answer.AddDone();
  DeviceDumpParser parser("wg0", kFamilyId, kSequence);
  auto bytes = answer.bytes();
  ASSERT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  Answer extra;
  extra.AddError(-EPERM);
  bytes = extra.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_TRUE(parser.TakeDevice());
}

TEST(NetlinkRequestTest, GetDeviceRequestNamesTheInterface) {
  const auto request = BuildGetDeviceRequest("wg-office", kFamilyId, 77);
  ASSERT_FALSE(request.empty());
  const auto* message = reinterpret_cast<const nlmsghdr*>(request.data());
  EXPECT_EQ(message->nlmsg_len, request.size());
  EXPECT_EQ(message->nlmsg_type, kFamilyId);
  EXPECT_EQ(message->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(message->nlmsg_seq, 77u);
  const auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(message));
  EXPECT_EQ(genl->cmd, WG_CMD_GET_DEVICE);
  EXPECT_EQ(genl->version, WG_GENL_VERSION);
  const auto* attr =
      static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(message, sizeof(genlmsghdr)));
  EXPECT_EQ(mnl_attr_get_type(attr), WGDEVICE_A_IFNAME);
  EXPECT_STREQ(mnl_attr_get_str(attr), "wg-office");
}

TEST(NetlinkRequestTest, UnsendableNamesGiveNoRequest) {
  EXPECT_TRUE(BuildGetDeviceRequest("", kFamilyId, 1).empty());
  EXPECT_TRUE(BuildGetDeviceRequest("sixteen-chars-xx", kFamilyId, 1).empty());
  EXPECT_FALSE(BuildGetDeviceRequest("fifteen-chars-x", kFamilyId, 1).empty());
  EXPECT_TRUE(BuildGetDeviceRequest(std::string_view("wg\0x", 4), kFamilyId, 1).empty());
}

TEST(NetlinkRequestTest, FamilyAndLinkRequests) {
  auto family = BuildGetFamilyRequest("wireguard", 5);
  ASSERT_FALSE(family.empty());
  const auto* message = reinterpret_cast<const nlmsghdr*>(family.data());
  EXPECT_EQ(message->nlmsg_type, GENL_ID_CTRL);
  EXPECT_EQ(message->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  const auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(message));
  EXPECT_EQ(genl->cmd, CTRL_CMD_GETFAMILY);

  auto links = BuildGetLinkDumpRequest(6);
  message = reinterpret_cast<const nlmsghdr*>(links.data());
  EXPECT_EQ(message->nlmsg_len, links.size());
  EXPECT_EQ(message->nlmsg_type, RTM_GETLINK);
  EXPECT_EQ(message->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(message->nlmsg_seq, 6u);
}

TEST(NetlinkEndpointTest, FormatsBothFamiliesAndRejectsOthers) {
  EXPECT_EQ(FormatEndpoint(Sockaddr4("1.2.3.4", 51820)), "1.2.3.4:51820");
  EXPECT_EQ(FormatEndpoint(Sockaddr6("2001:db8::1", 51820)), "[2001:db8::1]:51820");
  EXPECT_EQ(FormatEndpoint(Sockaddr6("::ffff:1.2.3.4", 1)), "[::ffff:1.2.3.4]:1");
  EXPECT_FALSE(FormatEndpoint({}));
  auto v4 = Sockaddr4("1.2.3.4", 1);
  v4.push_back(0);
  EXPECT_FALSE(FormatEndpoint(v4));
}

}  // namespace
}  // namespace wgx::netlink
