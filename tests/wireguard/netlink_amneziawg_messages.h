// Builds WG_CMD_GET_DEVICE dump messages the way the amneziawg kernel module
// lays them out (src/netlink.c, wg_get_device_dump and get_peer): the device
// attributes in the module's order, its own after WireGuard's, and every peer
// starting with WGPEER_A_FLAGS and sending its keepalive interval as a u16
// range in a u32.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "exporter/wireguard/amneziawg.h"
#include "tests/wireguard/netlink_test_messages.h"

namespace wgx::netlink::testing {

// Numbers of the module's uapi/wireguard.h that the exporter does not name.
inline constexpr std::uint16_t kAwgDeviceI1 = 21;
inline constexpr std::uint16_t kAwgDeviceHeaderProtectionKey = 26;
inline constexpr std::uint16_t kAwgDeviceContentPaddingAddition = 27;
inline constexpr std::uint16_t kAwgDeviceMaxHandshakeAttempts = 32;
inline constexpr std::uint32_t kAwgPeerHasAdvancedSecurity = 1U << 3;

struct AwgDeviceMessage {
  std::string name = "awg0";
  std::uint16_t listen_port = 51820;
  std::uint16_t jc = 4, jmin = 40, jmax = 70;
  std::array<std::uint16_t, 4> padding{15, 18, 20, 23};
  std::array<std::uint64_t, 4> headers{};  // raw u32 ranges: high << 32 | low
  bool with_header_protection = true;
  std::optional<Key> private_key{};
  std::optional<Key> public_key{};
};

struct AwgPeerMessage {
  Key public_key{};
  Key preshared_key{};
  std::int64_t handshake_seconds = 0;
  std::int64_t handshake_nanoseconds = 0;
  std::uint32_t keepalive_range = 0;  // high << 16 | low
  std::uint64_t transmit_bytes = 0, receive_bytes = 0;
  std::vector<std::uint8_t> endpoint{};
  std::vector<AllowedIp> allowed_ips{};
};

inline void PutAwgAllowedIps(nlmsghdr* message, const std::vector<AllowedIp>& allowed_ips) {
  nlattr* list = mnl_attr_nest_start(message, WGPEER_A_ALLOWEDIPS);
  for (const AllowedIp& ip : allowed_ips) {
    nlattr* entry = mnl_attr_nest_start(message, 0);
    mnl_attr_put_u8(message, WGALLOWEDIP_A_CIDR_MASK, ip.cidr);
    mnl_attr_put_u16(message, WGALLOWEDIP_A_FAMILY, static_cast<std::uint16_t>(ip.family));
    mnl_attr_put(message, WGALLOWEDIP_A_IPADDR, ip.family == AF_INET ? 4 : 16, ip.address.data());
    mnl_attr_nest_end(message, entry);
  }
  mnl_attr_nest_end(message, list);
}

inline void PutAwgPeer(nlmsghdr* message, const AwgPeerMessage& peer) {
  nlattr* nest = mnl_attr_nest_start(message, 0);
  mnl_attr_put_u32(message, WGPEER_A_FLAGS, kAwgPeerHasAdvancedSecurity);
  mnl_attr_put(message, WGPEER_A_PUBLIC_KEY, kKeyLength, peer.public_key.bytes.data());
  mnl_attr_put(message, WGPEER_A_PRESHARED_KEY, kKeyLength, peer.preshared_key.bytes.data());
  __kernel_timespec time{peer.handshake_seconds, peer.handshake_nanoseconds};
  mnl_attr_put(message, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof time, &time);
  mnl_attr_put_u32(message, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, peer.keepalive_range);
  mnl_attr_put_u64(message, WGPEER_A_TX_BYTES, peer.transmit_bytes);
  mnl_attr_put_u64(message, WGPEER_A_RX_BYTES, peer.receive_bytes);
  mnl_attr_put_u32(message, WGPEER_A_PROTOCOL_VERSION, 1);
  if (!peer.endpoint.empty()) {
    mnl_attr_put(message, WGPEER_A_ENDPOINT, peer.endpoint.size(), peer.endpoint.data());
  }
  if (!peer.allowed_ips.empty()) PutAwgAllowedIps(message, peer.allowed_ips);
  mnl_attr_nest_end(message, nest);
}

// The first (here: only) message of an amneziawg dump.
inline void AddAwgDeviceMessage(Answer& answer, const AwgDeviceMessage& device,
                                const std::vector<AwgPeerMessage>& peers) {
  nlmsghdr* message = answer.Begin(kFamilyId, NLM_F_MULTI, kSequence);
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = WG_CMD_GET_DEVICE;
  genl->version = amneziawg::kGenericNetlinkVersion;
  mnl_attr_put_u16(message, WGDEVICE_A_LISTEN_PORT, device.listen_port);
  mnl_attr_put_u32(message, WGDEVICE_A_FWMARK, 0);
  mnl_attr_put_u32(message, WGDEVICE_A_IFINDEX, 9);
  mnl_attr_put_strz(message, WGDEVICE_A_IFNAME, device.name.c_str());
  mnl_attr_put_u16(message, amneziawg::kJunkCount, device.jc);
  mnl_attr_put_u16(message, amneziawg::kJunkMin, device.jmin);
  mnl_attr_put_u16(message, amneziawg::kJunkMax, device.jmax);
  mnl_attr_put_u16(message, amneziawg::kPadding1, device.padding[0]);
  mnl_attr_put_u16(message, amneziawg::kPadding2, device.padding[1]);
  mnl_attr_put_u16(message, amneziawg::kPadding3, device.padding[2]);
  mnl_attr_put_u16(message, amneziawg::kPadding4, device.padding[3]);
  for (std::size_t i = 0; i < 4; ++i) {
    mnl_attr_put(message, static_cast<std::uint16_t>(amneziawg::kHeader1 + i),
                 sizeof(std::uint64_t), &device.headers[i]);
  }
  for (std::uint16_t type = kAwgDeviceContentPaddingAddition;
       type <= kAwgDeviceMaxHandshakeAttempts; ++type) {
    mnl_attr_put_u32(message, type, 0);
  }
  mnl_attr_put_strz(message, kAwgDeviceI1, "<b 0xf6ab3267fa><c><t><r 10>");
  if (device.with_header_protection) {
    const Key secret = TestKey(0xa5);
    mnl_attr_put(message, kAwgDeviceHeaderProtectionKey, kKeyLength, secret.bytes.data());
  }
  if (device.private_key) {
    mnl_attr_put(message, WGDEVICE_A_PRIVATE_KEY, kKeyLength, device.private_key->bytes.data());
  }
  if (device.public_key) {
    mnl_attr_put(message, WGDEVICE_A_PUBLIC_KEY, kKeyLength, device.public_key->bytes.data());
  }
  nlattr* nest = mnl_attr_nest_start(message, WGDEVICE_A_PEERS);
  for (const AwgPeerMessage& peer : peers) PutAwgPeer(message, peer);
  mnl_attr_nest_end(message, nest);
  answer.End(message);
}

// A typical device: two peers, one with a keepalive range and a handshake.
inline void AddTypicalAwgDump(Answer& answer) {
  AwgDeviceMessage device;
  device.headers = {
      std::uint64_t{1020325451} << 32 | 1020325451, std::uint64_t{3288052141} << 32 | 3288052141,
      std::uint64_t{1766607900} << 32 | 1766607858, std::uint64_t{2528465083} << 32 | 2528465083};
  device.private_key = TestKey(0x41);
  device.public_key = TestKey(0x42);
  AwgPeerMessage first;
  first.public_key = TestKey(0x51);
  first.handshake_seconds = 1'700'000'000;
  first.handshake_nanoseconds = 5;
  first.keepalive_range = (30U << 16) | 20U;
  first.transmit_bytes = 488;
  first.receive_bytes = 92;
  first.endpoint = Sockaddr4("198.51.100.7", 51820);
  first.allowed_ips = {MakeAllowedIp("10.8.1.2", 32)};
  AwgPeerMessage second;
  second.public_key = TestKey(0x52);
  second.keepalive_range = 25;  // set by an older tool: no high half
  second.allowed_ips = {MakeAllowedIp("10.8.1.3", 32), MakeAllowedIp("fd00:8::3", 128)};
  AddAwgDeviceMessage(answer, device, {first, second});
  answer.AddDone(0, kSequence);
}

}  // namespace wgx::netlink::testing
