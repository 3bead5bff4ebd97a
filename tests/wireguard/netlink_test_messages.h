// Builds netlink answers the way the kernel does, with libmnl, so the parser
// tests describe each message shape in a few lines.
#pragma once

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/wireguard/device.h"
#include "exporter/wireguard/key.h"

namespace wgx::netlink::testing {

inline constexpr std::uint16_t kFamilyId = 0x1f;
inline constexpr std::uint32_t kSequence = 4242;

// A key whose bytes are seed, seed+1, ... so every test key is distinct.
inline Key TestKey(std::uint8_t seed) {
  Key key;
  for (std::size_t i = 0; i < key.bytes.size(); ++i) {
    key.bytes[i] = static_cast<std::uint8_t>(seed + i);
  }
  return key;
}

inline AllowedIp MakeAllowedIp(const std::string& address, std::uint8_t cidr) {
  AllowedIp ip;
  ip.family = address.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(ip.family, address.c_str(), ip.address.data()) != 1) {
    throw std::invalid_argument("bad test address " + address);
  }
  ip.cidr = cidr;
  return ip;
}

inline std::vector<std::uint8_t> Sockaddr4(const std::string& address, std::uint16_t port) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &v4.sin_addr);
  std::vector<std::uint8_t> bytes(sizeof v4);
  std::memcpy(bytes.data(), &v4, sizeof v4);
  return bytes;
}

inline std::vector<std::uint8_t> Sockaddr6(const std::string& address, std::uint16_t port,
                                           std::uint32_t scope_id = 0) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  v6.sin6_scope_id = scope_id;
  inet_pton(AF_INET6, address.c_str(), &v6.sin6_addr);
  std::vector<std::uint8_t> bytes(sizeof v6);
  std::memcpy(bytes.data(), &v6, sizeof v6);
  return bytes;
}

// What the kernel puts in one peer nest.
struct PeerMessage {
  Key public_key{};
  std::optional<Key> preshared_key = Key{};  // the kernel always sends one, zero when unset
  std::vector<std::uint8_t> endpoint{};      // raw sockaddr; empty for none
  std::int64_t handshake_seconds = 0;
  std::int64_t handshake_nanoseconds = 0;
  std::uint64_t receive_bytes = 0;
  std::uint64_t transmit_bytes = 0;
  std::uint16_t keepalive = 0;
  std::vector<AllowedIp> allowed_ips{};
  // A continuation of the previous message's last peer: only the public key
  // and more allowed IPs, as the kernel sends when they did not fit.
  bool continuation = false;
};

inline void PutAllowedIps(nlmsghdr* message, const std::vector<AllowedIp>& allowed_ips) {
  nlattr* list = mnl_attr_nest_start(message, WGPEER_A_ALLOWEDIPS);
  for (const AllowedIp& ip : allowed_ips) {
    nlattr* entry = mnl_attr_nest_start(message, 0);
    mnl_attr_put_u16(message, WGALLOWEDIP_A_FAMILY, static_cast<std::uint16_t>(ip.family));
    mnl_attr_put(message, WGALLOWEDIP_A_IPADDR, ip.family == AF_INET ? 4 : 16, ip.address.data());
    mnl_attr_put_u8(message, WGALLOWEDIP_A_CIDR_MASK, ip.cidr);
    mnl_attr_nest_end(message, entry);
  }
  mnl_attr_nest_end(message, list);
}

inline void PutPeer(nlmsghdr* message, const PeerMessage& peer) {
  nlattr* nest = mnl_attr_nest_start(message, 0);
  mnl_attr_put(message, WGPEER_A_PUBLIC_KEY, kKeyLength, peer.public_key.bytes.data());
  if (!peer.continuation) {
    if (peer.preshared_key) {
      mnl_attr_put(message, WGPEER_A_PRESHARED_KEY, kKeyLength, peer.preshared_key->bytes.data());
    }
    __kernel_timespec time{peer.handshake_seconds, peer.handshake_nanoseconds};
    mnl_attr_put(message, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof time, &time);
    mnl_attr_put_u16(message, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, peer.keepalive);
    mnl_attr_put_u64(message, WGPEER_A_TX_BYTES, peer.transmit_bytes);
    mnl_attr_put_u64(message, WGPEER_A_RX_BYTES, peer.receive_bytes);
    mnl_attr_put_u32(message, WGPEER_A_PROTOCOL_VERSION, 1);
    if (!peer.endpoint.empty()) {
      mnl_attr_put(message, WGPEER_A_ENDPOINT, peer.endpoint.size(), peer.endpoint.data());
    }
  }
  if (!peer.allowed_ips.empty()) PutAllowedIps(message, peer.allowed_ips);
  mnl_attr_nest_end(message, nest);
}

// The device part of the first message of a dump.
struct DeviceMessage {
  std::string name = "wg0";
  std::optional<Key> private_key{};
  std::optional<Key> public_key{};
  std::uint16_t listen_port = 0;
  std::uint32_t fwmark = 0;
};

// One receive buffer: several netlink messages back to back.
class Answer {
 public:
  explicit Answer(std::size_t capacity = 1 << 20) : bytes_(capacity) {}

  // Starts a WireGuard dump message; finish it with End().
  nlmsghdr* BeginDevice(std::uint16_t family_id = kFamilyId, std::uint32_t sequence = kSequence) {
    nlmsghdr* message = Begin(family_id, NLM_F_MULTI, sequence);
    auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
    genl->cmd = WG_CMD_GET_DEVICE;
    genl->version = WG_GENL_VERSION;
    return message;
  }

  // First message of a dump: every device attribute, then `peers`.
  void AddFirstDeviceMessage(const DeviceMessage& device, const std::vector<PeerMessage>& peers) {
    nlmsghdr* message = BeginDevice();
    mnl_attr_put_u32(message, WGDEVICE_A_IFINDEX, 7);
    mnl_attr_put_strz(message, WGDEVICE_A_IFNAME, device.name.c_str());
    if (device.private_key) {
      mnl_attr_put(message, WGDEVICE_A_PRIVATE_KEY, kKeyLength, device.private_key->bytes.data());
    }
    if (device.public_key) {
      mnl_attr_put(message, WGDEVICE_A_PUBLIC_KEY, kKeyLength, device.public_key->bytes.data());
    }
    mnl_attr_put_u16(message, WGDEVICE_A_LISTEN_PORT, device.listen_port);
    mnl_attr_put_u32(message, WGDEVICE_A_FWMARK, device.fwmark);
    PutPeers(message, peers);
    End(message);
  }

  // A later message of the same dump: only the name and more peers.
  void AddPeersMessage(const std::vector<PeerMessage>& peers, const std::string& name = "wg0") {
    nlmsghdr* message = BeginDevice();
    mnl_attr_put_u32(message, WGDEVICE_A_IFINDEX, 7);
    mnl_attr_put_strz(message, WGDEVICE_A_IFNAME, name.c_str());
    PutPeers(message, peers);
    End(message);
  }

  void AddDone(int status = 0, std::uint32_t sequence = kSequence) {
    nlmsghdr* message = Begin(NLMSG_DONE, NLM_F_MULTI, sequence);
    auto* payload = static_cast<int*>(mnl_nlmsg_put_extra_header(message, sizeof(int)));
    *payload = status;
    End(message);
  }

  // `error` as the kernel sends it: a negative errno, or 0 for an acknowledgement.
  void AddError(int error, std::uint32_t sequence = kSequence) {
    nlmsghdr* message = Begin(NLMSG_ERROR, 0, sequence);
    auto* payload = static_cast<nlmsgerr*>(mnl_nlmsg_put_extra_header(message, sizeof(nlmsgerr)));
    payload->error = error;
    End(message);
  }

  // Starts any message; the caller fills it and calls End().
  nlmsghdr* Begin(std::uint16_t type, std::uint16_t flags, std::uint32_t sequence = kSequence) {
    nlmsghdr* message = mnl_nlmsg_put_header(bytes_.data() + used_);
    message->nlmsg_type = type;
    message->nlmsg_flags = flags;
    message->nlmsg_seq = sequence;
    message->nlmsg_pid = 0;
    return message;
  }
  void End(nlmsghdr* message) { used_ += MNL_ALIGN(message->nlmsg_len); }

  std::vector<std::uint8_t> bytes() const {
    return std::vector<std::uint8_t>(bytes_.begin(), bytes_.begin() + used_);
  }

 private:
  static void PutPeers(nlmsghdr* message, const std::vector<PeerMessage>& peers) {
    if (peers.empty()) return;
    nlattr* nest = mnl_attr_nest_start(message, WGDEVICE_A_PEERS);
    for (const PeerMessage& peer : peers) PutPeer(message, peer);
    mnl_attr_nest_end(message, nest);
  }

  std::vector<std::uint8_t> bytes_;
  std::size_t used_ = 0;
};

// One RTM_NEWLINK as the kernel sends it; `kind` empty for links without one.
inline void AddLink(Answer& answer, int index, const std::string& name, const std::string& kind,
                    std::uint32_t sequence = kSequence) {
  nlmsghdr* message = answer.Begin(RTM_NEWLINK, NLM_F_MULTI, sequence);
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  link->ifi_index = index;
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  mnl_attr_put_u32(message, IFLA_MTU, 1420);
  if (!kind.empty()) {
    nlattr* info = mnl_attr_nest_start(message, IFLA_LINKINFO);
    mnl_attr_put_strz(message, IFLA_INFO_KIND, kind.c_str());
    mnl_attr_nest_end(message, info);
  }
  answer.End(message);
}

// The controller's answer to CTRL_CMD_GETFAMILY (the ack is the caller's).
inline void AddFamily(Answer& answer, const std::string& name, std::uint16_t id,
                      std::uint32_t sequence = kSequence) {
  nlmsghdr* message = answer.Begin(GENL_ID_CTRL, 0, sequence);
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = CTRL_CMD_NEWFAMILY;
  genl->version = 2;
  mnl_attr_put_strz(message, CTRL_ATTR_FAMILY_NAME, name.c_str());
  mnl_attr_put_u16(message, CTRL_ATTR_FAMILY_ID, id);
  mnl_attr_put_u32(message, CTRL_ATTR_VERSION, 1);
  answer.End(message);
}

}  // namespace wgx::netlink::testing
