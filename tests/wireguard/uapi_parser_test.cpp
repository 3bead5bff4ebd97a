// ParseUapiGet against real answers captured from wireguard-go (tests/data/uapi)
// and against every kind of broken answer.
#include "exporter/wireguard/uapi_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/fixture.h"

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::wgx::testing::ReadFixture;

Key KeyFromBase64(const std::string& text) {
  const std::optional<Key> key = Key::FromBase64(text);
  EXPECT_TRUE(key.has_value()) << text;
  return key.value_or(Key{});
}

std::string AllowedIpsText(const Peer& peer) {
  std::string text;
  for (const AllowedIp& ip : peer.allowed_ips) {
    if (!text.empty()) text += ',';
    ip.AppendTo(text);
  }
  return text;
}

Device ParseOk(std::string_view answer, std::string_view name = "wg0") {
  UapiParseResult result = ParseUapiGet(answer, name);
  EXPECT_TRUE(result.device.has_value()) << result.error;
  EXPECT_TRUE(result.error.empty());
  return result.device.value_or(Device{});
}

std::string ParseError(std::string_view answer) {
  const UapiParseResult result = ParseUapiGet(answer, "wg0");
  EXPECT_FALSE(result.device.has_value()) << "parsed although it should not: " << answer;
  EXPECT_FALSE(result.error.empty());
  return result.error;
}

// --- Real captured answers --------------------------------------------------

// wgua0 of a handshaken pair; `wg show wgua0 public-key` printed
// AlhX7fDDkzMyjPkxQm5zjPfWmBdEL2Tg5WzOHKQ57i8= and `wg show wgua0 dump` the
// peer line checked below.
TEST(UapiParser, HandshakenInitiator) {
  const Device device = ParseOk(ReadFixture("uapi/handshaken_initiator.txt"), "wgua0");
  EXPECT_EQ(device.name, "wgua0");
  EXPECT_EQ(device.implementation, Implementation::kUserspace);
  ASSERT_TRUE(device.public_key.has_value());
  EXPECT_EQ(device.public_key->ToBase64(), "AlhX7fDDkzMyjPkxQm5zjPfWmBdEL2Tg5WzOHKQ57i8=");
  EXPECT_EQ(device.listen_port, 51820);
  EXPECT_EQ(device.fwmark, 0u);
  ASSERT_EQ(device.peers.size(), 1u);
  const Peer& peer = device.peers[0];
  EXPECT_EQ(peer.public_key.ToBase64(), "x+OeTb908zusjjMGDS+9Iea4iv47yzoAewt4ufe3YB4=");
  EXPECT_FALSE(peer.has_preshared_key);
  EXPECT_EQ(peer.endpoint, "10.99.7.2:51821");
  EXPECT_EQ(peer.last_handshake_seconds, 1795796452);
  EXPECT_EQ(peer.last_handshake_nanoseconds, 721485364);
  EXPECT_EQ(peer.transmit_bytes, 488u);
  EXPECT_EQ(peer.receive_bytes, 92u);
  EXPECT_EQ(peer.persistent_keepalive_interval, 1);
  ASSERT_EQ(peer.allowed_ips.size(), 2u);
  EXPECT_EQ(peer.allowed_ips[0].family, AF_INET);
  EXPECT_EQ(peer.allowed_ips[0].ToString(), "10.100.7.2/32");
  EXPECT_EQ(peer.allowed_ips[1].family, AF_INET6);
  EXPECT_EQ(peer.allowed_ips[1].ToString(), "fd00:7::2/128");
}

// wgua1, the other side: `wg show wgua1 public-key` printed
// x+OeTb908zusjjMGDS+9Iea4iv47yzoAewt4ufe3YB4=.
TEST(UapiParser, HandshakenResponder) {
  const Device device = ParseOk(ReadFixture("uapi/handshaken_responder.txt"), "wgua1");
  ASSERT_TRUE(device.public_key.has_value());
  EXPECT_EQ(device.public_key->ToBase64(), "x+OeTb908zusjjMGDS+9Iea4iv47yzoAewt4ufe3YB4=");
  EXPECT_EQ(device.listen_port, 51821);
  ASSERT_EQ(device.peers.size(), 1u);
  const Peer& peer = device.peers[0];
  EXPECT_EQ(peer.public_key.ToBase64(), "AlhX7fDDkzMyjPkxQm5zjPfWmBdEL2Tg5WzOHKQ57i8=");
  EXPECT_EQ(peer.endpoint, "10.99.7.1:51820");
  EXPECT_EQ(peer.last_handshake_seconds, 1795796452);
  EXPECT_EQ(peer.last_handshake_nanoseconds, 721612828);
  EXPECT_EQ(peer.transmit_bytes, 92u);
  EXPECT_EQ(peer.receive_bytes, 372u);
  EXPECT_EQ(peer.persistent_keepalive_interval, 0);
  EXPECT_EQ(AllowedIpsText(peer), "10.100.7.1/32");
}

// wgua1 after adding a peer with a preshared key that never shook hands and
// has no endpoint yet.
TEST(UapiParser, FreshPeerWithoutHandshake) {
  const Device device = ParseOk(ReadFixture("uapi/fresh_peer.txt"), "wgua1");
  ASSERT_EQ(device.peers.size(), 2u);
  EXPECT_EQ(device.peers[0].public_key.ToBase64(), "AlhX7fDDkzMyjPkxQm5zjPfWmBdEL2Tg5WzOHKQ57i8=");
  EXPECT_FALSE(device.peers[0].has_preshared_key);
  const Peer& fresh = device.peers[1];
  EXPECT_EQ(fresh.public_key.ToBase64(), "SvkNIMii1sCSVLiQHarCYWgCbIA8oSZhLKEGx+5JTk0=");
  EXPECT_TRUE(fresh.has_preshared_key);
  EXPECT_EQ(fresh.endpoint, "");
  EXPECT_EQ(fresh.last_handshake_seconds, 0);
  EXPECT_EQ(fresh.last_handshake_nanoseconds, 0);
  EXPECT_EQ(fresh.receive_bytes, 0u);
  EXPECT_EQ(fresh.transmit_bytes, 0u);
  EXPECT_EQ(fresh.persistent_keepalive_interval, 0);
  EXPECT_EQ(AllowedIpsText(fresh), "10.100.7.3/32,fd00:7::3/128");
}

// A device configured with a port, fwmark 0x1234 and a peer but no private
// key: `wg show` printed "(none)" for its public key.
TEST(UapiParser, NoPrivateKey) {
  const Device device = ParseOk(ReadFixture("uapi/no_private_key.txt"));
  EXPECT_FALSE(device.public_key.has_value());
  EXPECT_EQ(device.listen_port, 51900);
  EXPECT_EQ(device.fwmark, 0x1234u);
  ASSERT_EQ(device.peers.size(), 1u);
  EXPECT_EQ(device.peers[0].public_key.ToBase64(), "SaLRoXYNhsi5RudZOnPM9ttcH1qz0hKksI3uyu/hKws=");
  EXPECT_EQ(device.peers[0].endpoint, "10.99.7.9:51999");
  EXPECT_EQ(AllowedIpsText(device.peers[0]), "10.200.0.0/16");
}

// A freshly started wireguard-go answers only its random listen port.
TEST(UapiParser, FreshlyStartedDevice) {
  const Device device = ParseOk(ReadFixture("uapi/empty_device.txt"));
  EXPECT_FALSE(device.public_key.has_value());
  EXPECT_EQ(device.listen_port, 40787);
  EXPECT_TRUE(device.peers.empty());
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, '\t')) fields.push_back(field);
  return fields;
}

// 40 peers with IPv4 and IPv6 allowed IPs and endpoints, some preshared keys
// and keepalives, compared field by field with `wg show wgua2 dump` taken at
// the same moment (public keys are distinct, so every dump line finds exactly
// one parsed peer and the counts match).
TEST(UapiParser, ManyPeersMatchWgShowDump) {
  const Device device = ParseOk(ReadFixture("uapi/many_peers.txt"), "wgua2");
  std::istringstream dump(ReadFixture("uapi/many_peers.wg_dump.txt"));
  std::string line;
  ASSERT_TRUE(std::getline(dump, line));
  const std::vector<std::string> interface_fields = SplitTabs(line);
  ASSERT_EQ(interface_fields.size(), 4u);
  // The device's own public key is derived from its private key.
  const std::optional<Key> derived = PublicKeyFromPrivate(KeyFromBase64(interface_fields[0]));
  ASSERT_TRUE(device.public_key.has_value());
  EXPECT_EQ(device.public_key, derived);
  EXPECT_EQ(device.public_key->ToBase64(), interface_fields[1]);
  EXPECT_EQ(std::to_string(device.listen_port), interface_fields[2]);
  EXPECT_EQ(device.fwmark, 0x51u);
  EXPECT_EQ(interface_fields[3], "0x51");

  std::size_t index = 0;
  std::size_t with_preshared_key = 0;
  std::size_t with_v6_endpoint = 0;
  std::size_t allowed_ip_count = 0;
  while (std::getline(dump, line)) {
    const std::vector<std::string> f = SplitTabs(line);
    ASSERT_EQ(f.size(), 8u) << line;
    SCOPED_TRACE(f[0]);
    // wireguard-go lists peers in Go map order, which differs between calls.
    const Key public_key = KeyFromBase64(f[0]);
    const auto found = std::find_if(device.peers.begin(), device.peers.end(),
                                    [&](const Peer& p) { return p.public_key == public_key; });
    ASSERT_NE(found, device.peers.end());
    ++index;
    const Peer& peer = *found;
    EXPECT_EQ(peer.has_preshared_key, f[1] != "(none)");
    EXPECT_EQ(peer.endpoint.empty() ? "(none)" : peer.endpoint, f[2]);
    EXPECT_EQ(peer.allowed_ips.empty() ? "(none)" : AllowedIpsText(peer), f[3]);
    EXPECT_EQ(std::to_string(peer.last_handshake_seconds), f[4]);
    EXPECT_EQ(std::to_string(peer.receive_bytes), f[5]);
    EXPECT_EQ(std::to_string(peer.transmit_bytes), f[6]);
    EXPECT_EQ(peer.persistent_keepalive_interval == 0
                  ? "off"
                  : std::to_string(peer.persistent_keepalive_interval),
              f[7]);
    with_preshared_key += peer.has_preshared_key ? 1 : 0;
    with_v6_endpoint += peer.endpoint.starts_with("[") ? 1 : 0;
    allowed_ip_count += peer.allowed_ips.size();
  }
  EXPECT_EQ(index, device.peers.size());
  EXPECT_EQ(device.peers.size(), 40u);
  EXPECT_EQ(allowed_ip_count, 96u);
  // The fixture really exercises what it claims to.
  EXPECT_GT(with_preshared_key, 0u);
  EXPECT_GT(with_v6_endpoint, 0u);
}

// --- Framing and status -----------------------------------------------------

TEST(UapiParser, EmptyAnswer) {
  EXPECT_EQ(ParseError(""), "parse error at line 1: the answer is empty");
}

TEST(UapiParser, EveryProperPrefixOfARealAnswerIsRejected) {
  const std::string answer = ReadFixture("uapi/fresh_peer.txt");
  for (std::size_t length = 0; length < answer.size(); ++length) {
    const UapiParseResult result = ParseUapiGet(std::string_view(answer).substr(0, length), "x");
    ASSERT_FALSE(result.device.has_value()) << "prefix of " << length << " bytes parsed";
    ASSERT_THAT(result.error, StartsWith("parse error at line "));
  }
}

TEST(UapiParser, TruncatedInsideALineNamesTheLine) {
  EXPECT_EQ(ParseError("listen_port=1\nfwmark=3"),
            "parse error at line 2: the line has no newline (answer truncated)");
}

TEST(UapiParser, MissingTerminatorNamesTheLine) {
  EXPECT_EQ(ParseError("listen_port=1\nerrno=0\n"),
            "parse error at line 3: the answer ends without its terminating empty line");
}

TEST(UapiParser, MissingErrno) {
  EXPECT_EQ(ParseError("listen_port=1\n\n"),
            "parse error at line 2: the answer ends without an errno line");
}

TEST(UapiParser, NonzeroErrnoIsAnError) {
  EXPECT_EQ(ParseError("errno=1\n\n"),
            "the implementation answered errno=1 (Operation not permitted)");
  EXPECT_THAT(ParseError("listen_port=1\nerrno=74\n\n"), HasSubstr("errno=74"));
}

TEST(UapiParser, BadErrno) {
  EXPECT_EQ(ParseError("errno=-1\n\n"), "parse error at line 1: errno is not a number");
  EXPECT_EQ(ParseError("errno=\n\n"), "parse error at line 1: errno is not a number");
  EXPECT_EQ(ParseError("errno=99999999999\n\n"), "parse error at line 1: errno is not a number");
}

TEST(UapiParser, DataAfterTerminator) {
  EXPECT_EQ(ParseError("errno=0\n\nlisten_port=1\n"),
            "parse error at line 2: unexpected data after the terminating empty line");
}

TEST(UapiParser, MinimalAnswer) {
  const Device device = ParseOk("errno=0\n\n", "wg7");
  EXPECT_EQ(device.name, "wg7");
  EXPECT_FALSE(device.public_key.has_value());
  EXPECT_EQ(device.listen_port, 0);
  EXPECT_TRUE(device.peers.empty());
}

// --- Malformed lines --------------------------------------------------------

TEST(UapiParser, Garbage) {
  EXPECT_EQ(ParseError("HTTP/1.1 400 Bad Request\n\n"),
            "parse error at line 1: expected key=value");
  EXPECT_EQ(ParseError("=value\nerrno=0\n\n"), "parse error at line 1: expected key=value");
  EXPECT_EQ(ParseError("listen_port=1\nKey With Spaces=1\nerrno=0\n\n"),
            "parse error at line 2: expected key=value");
  EXPECT_EQ(ParseError(std::string("\x01\xff\x00=\x80\n\n", 7)),
            "parse error at line 1: expected key=value");
}

TEST(UapiParser, CarriageReturnsAreNotTolerated) {
  EXPECT_EQ(ParseError("listen_port=1\r\nerrno=0\r\n\r\n"),
            "parse error at line 1: listen_port is not a number in 0..65535");
}

TEST(UapiParser, BadNumbers) {
  const char* const kPeer =
      "public_key="
      "0101010101010101010101010101010101010101010101010101010101010101\n";
  struct Case {
    std::string line;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"rx_bytes=abc", "rx_bytes is not a number"},
      {"rx_bytes=-1", "rx_bytes is not a number"},
      {"rx_bytes=+1", "rx_bytes is not a number"},
      {"rx_bytes= 1", "rx_bytes is not a number"},
      {"rx_bytes=1 ", "rx_bytes is not a number"},
      {"rx_bytes=", "rx_bytes is not a number"},
      {"rx_bytes=18446744073709551616", "rx_bytes is not a number"},
      {"tx_bytes=0x10", "tx_bytes is not a number"},
      {"last_handshake_time_sec=9223372036854775808", "last_handshake_time_sec is not a number"},
      {"last_handshake_time_nsec=1000000000",
       "last_handshake_time_nsec is not a number in 0..999999999"},
      {"persistent_keepalive_interval=65536",
       "persistent_keepalive_interval is not a number in 0..65535"},
      {"protocol_version=one", "protocol_version is not a number"},
      {"protocol_version=2", "unsupported protocol_version 2"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseError(std::string(kPeer) + c.line + "\nerrno=0\n\n"),
              "parse error at line 2: " + c.error)
        << c.line;
  }
  EXPECT_EQ(ParseError("listen_port=65536\nerrno=0\n\n"),
            "parse error at line 1: listen_port is not a number in 0..65535");
  EXPECT_EQ(ParseError("fwmark=4294967296\nerrno=0\n\n"),
            "parse error at line 1: fwmark is not a number in 0..4294967295");
}

TEST(UapiParser, LargestNumbersAreAccepted) {
  const Device device = ParseOk(
      "listen_port=65535\nfwmark=4294967295\n"
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n"
      "last_handshake_time_sec=9223372036854775807\nlast_handshake_time_nsec=999999999\n"
      "rx_bytes=18446744073709551615\ntx_bytes=18446744073709551615\n"
      "persistent_keepalive_interval=65535\nerrno=0\n\n");
  EXPECT_EQ(device.listen_port, 65535);
  EXPECT_EQ(device.fwmark, 4294967295u);
  ASSERT_EQ(device.peers.size(), 1u);
  EXPECT_EQ(device.peers[0].last_handshake_seconds, INT64_MAX);
  EXPECT_EQ(device.peers[0].last_handshake_nanoseconds, 999999999);
  EXPECT_EQ(device.peers[0].receive_bytes, UINT64_MAX);
  EXPECT_EQ(device.peers[0].transmit_bytes, UINT64_MAX);
  EXPECT_EQ(device.peers[0].persistent_keepalive_interval, 65535);
}

TEST(UapiParser, BadHexKeys) {
  // 63 digits, 65 digits, a non-hex digit, base64 instead of hex.
  const std::vector<std::string> bad = {std::string(63, 'a'), std::string(65, 'a'),
                                        std::string(63, 'a') + "g",
                                        "AlhX7fDDkzMyjPkxQm5zjPfWmBdEL2Tg5WzOHKQ57i8=", ""};
  for (const std::string& value : bad) {
    EXPECT_EQ(ParseError("public_key=" + value + "\nerrno=0\n\n"),
              "parse error at line 1: public_key is not 64 hex digits");
    EXPECT_EQ(ParseError("private_key=" + value + "\nerrno=0\n\n"),
              "parse error at line 1: private_key is not 64 hex digits");
    EXPECT_EQ(ParseError("public_key=" + std::string(64, '1') + "\npreshared_key=" + value +
                         "\nerrno=0\n\n"),
              "parse error at line 2: preshared_key is not 64 hex digits");
  }
}

TEST(UapiParser, ErrorsNeverEchoKeyMaterial) {
  const std::string almost_a_key = std::string(62, 'c') + "zz";
  const std::string error = ParseError("private_key=" + almost_a_key + "\nerrno=0\n\n");
  EXPECT_THAT(error, Not(HasSubstr("cccc")));
}

TEST(UapiParser, UppercaseHexIsAccepted) {
  const Device device = ParseOk("public_key=" + std::string(64, 'F') + "\nerrno=0\n\n");
  ASSERT_EQ(device.peers.size(), 1u);
  EXPECT_EQ(device.peers[0].public_key.bytes[0], 0xff);
}

TEST(UapiParser, PeerFieldsBeforeAnyPublicKey) {
  EXPECT_EQ(ParseError("listen_port=1\nendpoint=1.2.3.4:5\nerrno=0\n\n"),
            "parse error at line 2: endpoint before any public_key");
  EXPECT_EQ(ParseError("allowed_ip=10.0.0.0/8\nerrno=0\n\n"),
            "parse error at line 1: allowed_ip before any public_key");
  EXPECT_EQ(ParseError("rx_bytes=1\nerrno=0\n\n"),
            "parse error at line 1: rx_bytes before any public_key");
}

TEST(UapiParser, DeviceFieldsAfterAPeer) {
  const std::string peer =
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n";
  EXPECT_EQ(ParseError(peer + "listen_port=1\nerrno=0\n\n"),
            "parse error at line 2: listen_port after the first peer");
  EXPECT_EQ(ParseError(peer + "private_key=" + std::string(64, '2') + "\nerrno=0\n\n"),
            "parse error at line 2: private_key after the first peer");
}

TEST(UapiParser, BadAllowedIps) {
  const std::string peer =
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n";
  for (const char* value : {"10.0.0.1/33", "fd00::/129", "10.0.0.1", "10.0.0.1/", "/32", "10.0.0/8",
                            "fd00::g/64", "10.0.0.1/8/8", "10.0.0.1/-8", "10.0.0.1 /8",
                            "fd00:0000:0000:0000:0000:0000:0000:0000:0000/64"}) {
    EXPECT_EQ(ParseError(peer + "allowed_ip=" + value + "\nerrno=0\n\n"),
              "parse error at line 2: allowed_ip is not address/cidr")
        << value;
  }
}

TEST(UapiParser, AllowedIpsAreDecoded) {
  const Device device = ParseOk(
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n"
      "allowed_ip=0.0.0.0/0\nallowed_ip=::/0\nallowed_ip=192.0.2.255/32\n"
      "allowed_ip=2001:db8::ffff/128\nerrno=0\n\n");
  ASSERT_EQ(device.peers.size(), 1u);
  const std::vector<AllowedIp>& ips = device.peers[0].allowed_ips;
  ASSERT_EQ(ips.size(), 4u);
  EXPECT_EQ(ips[0].family, AF_INET);
  EXPECT_EQ(ips[0].cidr, 0);
  EXPECT_EQ(ips[1].family, AF_INET6);
  EXPECT_EQ(ips[1].cidr, 0);
  EXPECT_EQ(ips[2].address[0], 192);
  EXPECT_EQ(ips[2].address[3], 255);
  EXPECT_EQ(ips[2].cidr, 32);
  EXPECT_EQ(ips[3].ToString(), "2001:db8::ffff/128");
}

TEST(UapiParser, Endpoints) {
  const std::string peer =
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n";
  for (const char* good : {"192.0.2.1:51820", "[2001:db8::1]:51820", "[fe80::1%eth0]:1"}) {
    const Device device = ParseOk(peer + "endpoint=" + good + "\nerrno=0\n\n");
    ASSERT_EQ(device.peers.size(), 1u);
    EXPECT_EQ(device.peers[0].endpoint, good);
  }
  for (const char* bad :
       {"", "192.0.2.1", "192.0.2.1:", ":51820", "192.0.2.1:port", "192.0.2.1:65536",
        "[2001:db8::1]51820", "[2001:db8::1", "[]:1", "192.0.2.1 :1", "192.0.2.1:1\t"}) {
    EXPECT_EQ(ParseError(peer + "endpoint=" + bad + "\nerrno=0\n\n"),
              "parse error at line 2: endpoint is not host:port")
        << bad;
  }
}

TEST(UapiParser, ZeroPresharedKeyMeansNone) {
  const Device device = ParseOk(
      "public_key=0101010101010101010101010101010101010101010101010101010101010101\n"
      "preshared_key=" +
      std::string(64, '0') +
      "\n"
      "public_key=0202020202020202020202020202020202020202020202020202020202020202\n"
      "preshared_key=" +
      std::string(63, '0') + "1\nerrno=0\n\n");
  ASSERT_EQ(device.peers.size(), 2u);
  EXPECT_FALSE(device.peers[0].has_preshared_key);
  EXPECT_TRUE(device.peers[1].has_preshared_key);
}

TEST(UapiParser, UnknownKeysAreIgnored) {
  std::string answer = ReadFixture("uapi/fresh_peer.txt");
  const Device expected = ParseOk(answer, "wgua1");
  // Insert unknown keys at the device level, inside each peer and next to errno.
  std::string extended;
  std::istringstream lines(answer);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("listen_port=")) extended += "future_device_option=on\n";
    if (line.starts_with("errno=")) extended += "z=\n";
    extended += line + "\n";
    if (line.starts_with("public_key=")) extended += "future_peer_counter_2=12=3\n";
  }
  ASSERT_NE(extended, answer);
  EXPECT_EQ(ParseOk(extended, "wgua1"), expected);
}

// --- Totality ---------------------------------------------------------------

// Whatever the bytes, the parser returns exactly one of a device or an error.
TEST(UapiParser, SurvivesRandomMutationsOfRealAnswers) {
  std::mt19937 random(20240607);
  const std::vector<std::string> seeds = {ReadFixture("uapi/handshaken_initiator.txt"),
                                          ReadFixture("uapi/fresh_peer.txt"),
                                          ReadFixture("uapi/many_peers.txt")};
  using std::string_view_literals::operator""sv;
  const std::string_view alphabet = "=\n\0:/[]0123456789abcdefx_ -"sv;
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string answer = seeds[round % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !answer.empty(); ++e) {
      const std::size_t at = random() % answer.size();
      switch (random() % 4) {
        case 0:
          answer[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          answer[at] = static_cast<char>(random());
          break;
        case 2:
          answer.erase(at, 1 + random() % 8);
          break;
        default:
          answer.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
      }
    }
    const UapiParseResult result = ParseUapiGet(answer, "fuzz");
    ASSERT_NE(result.device.has_value(), !result.error.empty());
    parsed += result.device.has_value() ? 1 : 0;
  }
  // Some mutations (e.g. a changed counter digit) stay valid; most do not.
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, 20000);
}

TEST(UapiParser, SurvivesRandomBytes) {
  std::mt19937 random(7);
  for (int round = 0; round < 5000; ++round) {
    std::string answer(random() % 300, '\0');
    for (char& c : answer) c = static_cast<char>(random());
    const UapiParseResult result = ParseUapiGet(answer, "fuzz");
    ASSERT_NE(result.device.has_value(), !result.error.empty());
  }
}

}  // namespace
}  // namespace wgx
