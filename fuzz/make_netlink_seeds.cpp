// Writes the seed corpus of netlink_parser_fuzz: answers shaped the way the
// kernel shapes them (built with the same helpers as the parser's unit
// tests), in the fuzz target's input layout. Usage: make_netlink_seeds DIR
#include <cstdio>
#include <string>
#include <vector>

#include "tests/wireguard/netlink_amneziawg_messages.h"
#include "tests/wireguard/netlink_test_messages.h"

namespace {

using wgx::netlink::testing::AddFamily;
using wgx::netlink::testing::AddLink;
using wgx::netlink::testing::Answer;
using wgx::netlink::testing::DeviceMessage;
using wgx::netlink::testing::kSequence;
using wgx::netlink::testing::MakeAllowedIp;
using wgx::netlink::testing::PeerMessage;
using wgx::netlink::testing::Sockaddr4;
using wgx::netlink::testing::Sockaddr6;
using wgx::netlink::testing::TestKey;

enum Selector : std::uint8_t {
  kDevice = 0,
  kLinks = 1,
  kFamily = 2,
  kEndpoint = 3,
  kAmneziaDevice = 8,
  kAmneziaFamily = 10,
};

bool WriteSeed(const std::string& dir, const std::string& name, Selector selector,
               const std::vector<std::vector<std::uint8_t>>& buffers) {
  std::vector<std::uint8_t> seed{selector};
  for (const auto& buffer : buffers) {
    if (buffer.size() > 0xffff) return false;
    seed.push_back(static_cast<std::uint8_t>(buffer.size() & 0xff));
    seed.push_back(static_cast<std::uint8_t>(buffer.size() >> 8));
    seed.insert(seed.end(), buffer.begin(), buffer.end());
  }
  const std::string path = dir + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  const bool ok = std::fwrite(seed.data(), 1, seed.size(), file) == seed.size();
  return std::fclose(file) == 0 && ok;
}

PeerMessage FullPeer(std::uint8_t seed, bool v6_endpoint) {
  PeerMessage peer;
  peer.public_key = TestKey(seed);
  peer.preshared_key = TestKey(static_cast<std::uint8_t>(seed + 100));
  peer.endpoint = v6_endpoint ? Sockaddr6("2001:db8::1", 51820, 3) : Sockaddr4("192.0.2.7", 51820);
  peer.handshake_seconds = 1'700'000'000;
  peer.handshake_nanoseconds = 123'456'789;
  peer.receive_bytes = 1234;
  peer.transmit_bytes = 5678;
  peer.keepalive = 25;
  peer.allowed_ips = {MakeAllowedIp("10.0.0.2", 32), MakeAllowedIp("fd00::2", 128)};
  return peer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  DeviceMessage device;
  device.private_key = TestKey(1);
  device.public_key = TestKey(2);
  device.listen_port = 51820;
  device.fwmark = 7;

  {  // One buffer: the whole device and its DONE.
    Answer answer;
    answer.AddFirstDeviceMessage(device, {FullPeer(10, false), FullPeer(11, true)});
    answer.AddDone();
    ok &= WriteSeed(dir, "device_one_buffer", kDevice, {answer.bytes()});
  }
  {  // A peer whose allowed IPs continue in the next message, in the next buffer.
    Answer first, second;
    PeerMessage peer = FullPeer(20, false);
    first.AddFirstDeviceMessage(device, {peer});
    PeerMessage rest;
    rest.public_key = peer.public_key;
    rest.continuation = true;
    rest.allowed_ips = {MakeAllowedIp("10.1.0.0", 16), MakeAllowedIp("fd01::", 64)};
    second.AddPeersMessage({rest, FullPeer(21, true)});
    second.AddDone();
    ok &= WriteSeed(dir, "device_split_peer", kDevice, {first.bytes(), second.bytes()});
  }
  {  // No key, no peers.
    Answer answer;
    answer.AddFirstDeviceMessage(DeviceMessage{}, {});
    answer.AddDone();
    ok &= WriteSeed(dir, "device_empty", kDevice, {answer.bytes()});
  }
  {  // The amneziawg module's dump: its own device attributes, flags in every peer.
    Answer answer;
    wgx::netlink::testing::AddTypicalAwgDump(answer);
    ok &= WriteSeed(dir, "amneziawg_device", kAmneziaDevice, {answer.bytes()});
  }
  {  // Its family, and links of both kinds.
    Answer family;
    AddFamily(family, "amneziawg", 0x22);
    family.AddError(0);
    ok &= WriteSeed(dir, "amneziawg_family", kAmneziaFamily, {family.bytes()});
    Answer links;
    AddLink(links, 2, "wg0", "wireguard");
    AddLink(links, 3, "awg0", "amneziawg");
    links.AddDone();
    ok &= WriteSeed(dir, "amneziawg_links", kLinks, {links.bytes()});
  }
  {  // The kernel refuses: no such device.
    Answer answer;
    answer.AddError(-ENODEV);
    ok &= WriteSeed(dir, "device_enodev", kDevice, {answer.bytes()});
  }
  {  // Link dump over two buffers.
    Answer first, second;
    AddLink(first, 1, "lo", "");
    AddLink(first, 2, "wg0", "wireguard");
    AddLink(first, 3, "veth0", "veth");
    AddLink(second, 4, "wg-office", "wireguard");
    second.AddDone();
    ok &= WriteSeed(dir, "links_two_buffers", kLinks, {first.bytes(), second.bytes()});
  }
  {  // Family resolved, then acknowledged.
    Answer answer;
    AddFamily(answer, "wireguard", 0x22);
    answer.AddError(0);
    ok &= WriteSeed(dir, "family_resolved", kFamily, {answer.bytes()});
  }
  {  // A kernel without WireGuard.
    Answer answer;
    answer.AddError(-ENOENT);
    ok &= WriteSeed(dir, "family_enoent", kFamily, {answer.bytes()});
  }
  {  // Raw endpoints and interface names.
    const std::string name = "wg0";
    ok &= WriteSeed(dir, "endpoints", kEndpoint,
                    {Sockaddr4("192.0.2.7", 51820), Sockaddr6("fe80::1", 51820, 2),
                     std::vector<std::uint8_t>(name.begin(), name.end())});
  }
  (void)kSequence;
  if (!ok) std::fprintf(stderr, "cannot write the seeds into %s\n", dir.c_str());
  return ok ? 0 : 1;
}
