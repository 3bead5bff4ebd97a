#include "exporter/wireguard/netlink_parser.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "exporter/wireguard/amneziawg.h"
#include "exporter/wireguard/netlink_walk.h"

namespace wgx::netlink {
namespace {

bool AllZero(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < size; ++i) acc |= bytes[i];
  return acc == 0;
}

bool ParseAllowedIp(const nlattr* nest, AllowedIp& allowed_ip, std::string& problem) {
  auto fail = [&problem](const char* what) { return RecordProblem(problem, what); };
  bool has_family = false, has_address = false, has_cidr = false;
  std::size_t address_length = 0;
  const bool well_formed = ForEachNested(nest, [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case WGALLOWEDIP_A_FAMILY:
        if (!Valid(attr, MNL_TYPE_U16)) return fail("allowed IP family");
        allowed_ip.family = mnl_attr_get_u16(attr);
        has_family = true;
        break;
      case WGALLOWEDIP_A_IPADDR:
        address_length = mnl_attr_get_payload_len(attr);
        if (address_length != 4 && address_length != 16) {
          return fail("allowed IP address length");
        }
        std::memcpy(allowed_ip.address.data(), mnl_attr_get_payload(attr), address_length);
        has_address = true;
        break;
      case WGALLOWEDIP_A_CIDR_MASK:
        if (!Valid(attr, MNL_TYPE_U8)) return fail("allowed IP prefix length");
        allowed_ip.cidr = mnl_attr_get_u8(attr);
        has_cidr = true;
        break;
      default:
        break;
    }
    return true;
  });
  if (!well_formed) {
    if (problem.empty()) problem = "allowed IP attributes";
    return false;
  }
  if (!has_family || !has_address || !has_cidr) {
    problem = "allowed IP without family, address or prefix length";
    return false;
  }
  const bool fits =
      (allowed_ip.family == AF_INET && address_length == 4 && allowed_ip.cidr <= 32) ||
      (allowed_ip.family == AF_INET6 && address_length == 16 && allowed_ip.cidr <= 128);
  if (!fits) {
    problem = "allowed IP family, address and prefix length disagree";
    return false;
  }
  return true;
}

// AmneziaWG's module sends the interval as a u16 range in a u32 (high << 16 |
// low); an older one, or a plain setting, may leave the high half 0.
std::uint16_t KeepaliveFromRange(std::uint32_t range) {
  const auto low = static_cast<std::uint16_t>(range & 0xffff);
  const auto high = static_cast<std::uint16_t>(range >> 16);
  return std::max(low, high);
}

bool ParsePeer(const nlattr* nest, Peer& peer, Protocol protocol, std::string& problem) {
  auto fail = [&problem](const char* what) { return RecordProblem(problem, what); };
  bool has_public_key = false;
  const bool well_formed = ForEachNested(nest, [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case WGPEER_A_PUBLIC_KEY:
        if (!HasLength(attr, kKeyLength)) return fail("peer public key length");
        std::memcpy(peer.public_key.bytes.data(), mnl_attr_get_payload(attr), kKeyLength);
        has_public_key = true;
        break;
      case WGPEER_A_PRESHARED_KEY:
        // Only whether one is set leaves this function; the bytes are wiped
        // with the receive buffer.
        if (!HasLength(attr, kKeyLength)) return fail("preshared key length");
        peer.has_preshared_key = !AllZero(mnl_attr_get_payload(attr), kKeyLength);
        break;
      case WGPEER_A_ENDPOINT: {
        const auto* bytes = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
        auto endpoint = FormatEndpoint({bytes, mnl_attr_get_payload_len(attr)});
        if (!endpoint) return fail("peer endpoint");
        peer.endpoint = std::move(*endpoint);
        break;
      }
      case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
        if (protocol == Protocol::kAmneziaWg && HasLength(attr, sizeof(std::uint32_t))) {
          peer.persistent_keepalive_interval = KeepaliveFromRange(mnl_attr_get_u32(attr));
          break;
        }
        if (!Valid(attr, MNL_TYPE_U16)) return fail("persistent keepalive interval");
        peer.persistent_keepalive_interval = mnl_attr_get_u16(attr);
        break;
      case WGPEER_A_LAST_HANDSHAKE_TIME: {
        __kernel_timespec time{};
        if (!HasLength(attr, sizeof time)) return fail("last handshake time length");
        std::memcpy(&time, mnl_attr_get_payload(attr), sizeof time);
        // The ranges the UAPI parser accepts, so both sources hand the
        // collector the same kind of time.
        if (time.tv_sec < 0) return fail("last handshake time seconds negative");
        if (time.tv_nsec < 0 || time.tv_nsec > 999'999'999) {
          return fail("last handshake time nanoseconds outside 0..999999999");
        }
        peer.last_handshake_seconds = time.tv_sec;
        peer.last_handshake_nanoseconds = time.tv_nsec;
        break;
      }
      case WGPEER_A_RX_BYTES:
        if (!Valid(attr, MNL_TYPE_U64)) return fail("receive bytes");
        peer.receive_bytes = mnl_attr_get_u64(attr);
        break;
      case WGPEER_A_TX_BYTES:
        if (!Valid(attr, MNL_TYPE_U64)) return fail("transmit bytes");
        peer.transmit_bytes = mnl_attr_get_u64(attr);
        break;
      case WGPEER_A_PROTOCOL_VERSION:
        if (!Valid(attr, MNL_TYPE_U32)) return fail("protocol version");
        break;
      case WGPEER_A_ALLOWEDIPS:
        if (!Valid(attr, MNL_TYPE_NESTED)) return fail("allowed IPs");
        return ForEachNested(attr, [&](const nlattr* entry) {
          AllowedIp allowed_ip;
          if (!ParseAllowedIp(entry, allowed_ip, problem)) return false;
          peer.allowed_ips.push_back(allowed_ip);
          return true;
        });
      default:
        break;  // newer kernels may add attributes; they do not change these
    }
    return true;
  });
  if (!well_formed) {
    if (problem.empty()) problem = "peer attributes";
    return false;
  }
  if (!has_public_key) {
    problem = "peer without public key";
    return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------

DeviceDumpParser::DeviceDumpParser(std::string_view interface_name, std::uint16_t family_id,
                                   std::uint32_t sequence, Protocol protocol)
    : family_id_(family_id), sequence_(sequence) {
  device_.name = std::string(interface_name);
  device_.implementation = Implementation::kKernel;
  device_.protocol = protocol;
  if (protocol == Protocol::kAmneziaWg) device_.amnezia.emplace();
}

bool DeviceDumpParser::ParseAmneziaAttribute(const nlattr* attr, std::string& problem) {
  AmneziaParameters& amnezia = *device_.amnezia;
  const std::uint16_t type = mnl_attr_get_type(attr);
  switch (type) {
    case amneziawg::kJunkCount:
    case amneziawg::kJunkMin:
    case amneziawg::kJunkMax:
    case amneziawg::kPadding1:
    case amneziawg::kPadding2:
    case amneziawg::kPadding3:
    case amneziawg::kPadding4: {
      if (!HasLength(attr, sizeof(std::uint16_t))) {
        return RecordProblem(problem, "AmneziaWG junk or padding setting length");
      }
      const std::uint16_t value = mnl_attr_get_u16(attr);
      if (type == amneziawg::kJunkCount) amnezia.junk_count = value;
      if (type == amneziawg::kJunkMin) amnezia.junk_min = value;
      if (type == amneziawg::kJunkMax) amnezia.junk_max = value;
      if (type == amneziawg::kPadding1) amnezia.padding[0] = value;
      if (type == amneziawg::kPadding2) amnezia.padding[1] = value;
      if (type == amneziawg::kPadding3) amnezia.padding[2] = value;
      if (type == amneziawg::kPadding4) amnezia.padding[3] = value;
      return true;
    }
    case amneziawg::kHeader1:
    case amneziawg::kHeader2:
    case amneziawg::kHeader3:
    case amneziawg::kHeader4: {
      if (!HasLength(attr, sizeof(std::uint64_t))) {
        return RecordProblem(problem, "AmneziaWG header setting length");
      }
      const std::uint64_t range = mnl_attr_get_u64(attr);
      ValueRange& header = amnezia.headers[type - amneziawg::kHeader1];
      header.low = range & 0xffffffffU;
      header.high = range >> 32;
      // A plain value from an older module has no high half.
      if (header.high < header.low) header.high = header.low;
      return true;
    }
    default:
      return true;  // packet specifications, timings, the header protection key: not kept
  }
}

FeedStatus DeviceDumpParser::Feed(std::span<std::uint8_t> received) {
  if (status_ == FeedStatus::kNeedMore) {
    status_ = WalkMessages(received, sequence_, error_,
                           [this](const nlmsghdr* message) { return ParseMessage(message); });
  }
  SecureWipe(received.data(), received.size());
  return status_;
}

std::optional<Device> DeviceDumpParser::TakeDevice() {
  if (status_ != FeedStatus::kDone) return std::nullopt;
  return std::move(device_);
}

bool DeviceDumpParser::ParseMessage(const nlmsghdr* message) {
  if (family_id_ != 0 && message->nlmsg_type != family_id_) {
    error_ = Malformed("message of type " + std::to_string(message->nlmsg_type) +
                       " in a WireGuard answer");
    return false;
  }
  if (mnl_nlmsg_get_payload_len(message) < GENL_HDRLEN) {
    error_ = Malformed("short generic netlink header");
    return false;
  }
  std::string problem;
  auto fail = [&problem](const char* what) { return RecordProblem(problem, what); };
  const bool well_formed = ForEachAttribute(
      mnl_nlmsg_get_payload_offset(message, GENL_HDRLEN),
      mnl_nlmsg_get_payload_len(message) - GENL_HDRLEN, [&](const nlattr* attr) {
        switch (mnl_attr_get_type(attr)) {
          case WGDEVICE_A_IFINDEX:
            if (!Valid(attr, MNL_TYPE_U32)) return fail("interface index");
            break;
          case WGDEVICE_A_IFNAME:
            if (!StringAttribute(attr)) return fail("interface name");
            break;
          case WGDEVICE_A_PRIVATE_KEY:
            // Checked for shape only and never copied: it stays in the receive
            // buffer, which Feed() wipes.
            if (!HasLength(attr, kKeyLength)) return fail("private key length");
            break;
          case WGDEVICE_A_PUBLIC_KEY: {
            if (!HasLength(attr, kKeyLength)) return fail("public key length");
            Key key;
            std::memcpy(key.bytes.data(), mnl_attr_get_payload(attr), kKeyLength);
            if (key.IsZero()) {
              device_.public_key.reset();
            } else {
              device_.public_key = key;
            }
            break;
          }
          case WGDEVICE_A_LISTEN_PORT:
            if (!Valid(attr, MNL_TYPE_U16)) return fail("listen port");
            device_.listen_port = mnl_attr_get_u16(attr);
            break;
          case WGDEVICE_A_FWMARK:
            if (!Valid(attr, MNL_TYPE_U32)) return fail("firewall mark");
            device_.fwmark = mnl_attr_get_u32(attr);
            break;
          case WGDEVICE_A_PEERS:
            if (!Valid(attr, MNL_TYPE_NESTED)) return fail("peer list");
            return ForEachNested(attr, [&](const nlattr* nest) {
              Peer peer;
              if (!ParsePeer(nest, peer, device_.protocol, problem)) return false;
              // A peer whose allowed IPs did not fit one message continues in
              // the next one with only its public key and the rest of them.
              if (!device_.peers.empty() && device_.peers.back().public_key == peer.public_key) {
                auto& into = device_.peers.back().allowed_ips;
                into.insert(into.end(), peer.allowed_ips.begin(), peer.allowed_ips.end());
              } else {
                device_.peers.push_back(std::move(peer));
              }
              return true;
            });
          default:
            if (device_.amnezia) return ParseAmneziaAttribute(attr, problem);
            break;
        }
        return true;
      });
  if (!well_formed) {
    error_ = Malformed(problem.empty() ? "device attributes" : problem);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------

LinkDumpParser::LinkDumpParser(std::uint32_t sequence) : sequence_(sequence) {}

FeedStatus LinkDumpParser::Feed(std::span<std::uint8_t> received) {
  if (status_ == FeedStatus::kNeedMore) {
    status_ = WalkMessages(received, sequence_, error_,
                           [this](const nlmsghdr* message) { return ParseMessage(message); });
  }
  return status_;
}

bool LinkDumpParser::ParseMessage(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWLINK) return true;
  if (mnl_nlmsg_get_payload_len(message) < sizeof(ifinfomsg)) {
    error_ = Malformed("short link message");
    return false;
  }
  std::optional<std::string_view> name;
  std::optional<Protocol> kind_protocol;
  std::string problem;
  auto fail = [&problem](const char* what) { return RecordProblem(problem, what); };
  const bool well_formed = ForEachAttribute(
      mnl_nlmsg_get_payload_offset(message, sizeof(ifinfomsg)),
      mnl_nlmsg_get_payload_len(message) - MNL_ALIGN(sizeof(ifinfomsg)), [&](const nlattr* attr) {
        switch (mnl_attr_get_type(attr)) {
          case IFLA_IFNAME:
            name = StringAttribute(attr);
            if (!name) return fail("link name");
            break;
          case IFLA_LINKINFO:
            if (!Valid(attr, MNL_TYPE_NESTED)) return fail("link info");
            return ForEachNested(attr, [&](const nlattr* info) {
              if (mnl_attr_get_type(info) != IFLA_INFO_KIND) return true;
              auto kind = StringAttribute(info);
              if (!kind) return fail("link kind");
              if (*kind == WG_GENL_NAME) kind_protocol = Protocol::kWireGuard;
              if (*kind == amneziawg::kLinkKind) kind_protocol = Protocol::kAmneziaWg;
              return true;
            });
          default:
            break;
        }
        return true;
      });
  if (!well_formed) {
    error_ = Malformed(problem.empty() ? "link attributes" : problem);
    return false;
  }
  if (name && !name->empty()) {
    all_links_.emplace_back(*name);
    if (kind_protocol) links_.push_back({std::string(*name), *kind_protocol});
  }
  return true;
}

// ---------------------------------------------------------------------------

FamilyReplyParser::FamilyReplyParser(std::string_view family_name, std::uint32_t sequence)
    : family_name_(family_name), sequence_(sequence) {}

FeedStatus FamilyReplyParser::Feed(std::span<std::uint8_t> received) {
  if (status_ == FeedStatus::kNeedMore) {
    status_ = WalkMessages(received, sequence_, error_,
                           [this](const nlmsghdr* message) { return ParseMessage(message); });
    if (status_ == FeedStatus::kDone && family_id_ == 0) {
      status_ = FeedStatus::kError;
      error_ = ParseError{ENOENT, "no generic netlink family \"" + family_name_ + "\""};
    }
  }
  return status_;
}

bool FamilyReplyParser::ParseMessage(const nlmsghdr* message) {
  if (message->nlmsg_type != GENL_ID_CTRL) return true;
  if (mnl_nlmsg_get_payload_len(message) < GENL_HDRLEN) {
    error_ = Malformed("short generic netlink header");
    return false;
  }
  std::optional<std::uint16_t> id;
  std::optional<std::string_view> name;
  std::string problem;
  auto fail = [&problem](const char* what) { return RecordProblem(problem, what); };
  const bool well_formed =
      ForEachAttribute(mnl_nlmsg_get_payload_offset(message, GENL_HDRLEN),
                       mnl_nlmsg_get_payload_len(message) - GENL_HDRLEN, [&](const nlattr* attr) {
                         switch (mnl_attr_get_type(attr)) {
                           case CTRL_ATTR_FAMILY_ID:
                             if (!Valid(attr, MNL_TYPE_U16)) return fail("family id");
                             id = mnl_attr_get_u16(attr);
                             break;
                           case CTRL_ATTR_FAMILY_NAME:
                             name = StringAttribute(attr);
                             if (!name) return fail("family name");
                             break;
                           default:
                             break;
                         }
                         return true;
                       });
  if (!well_formed) {
    error_ = Malformed(problem.empty() ? "family attributes" : problem);
    return false;
  }
  if (id && name && *name == family_name_) family_id_ = *id;
  return true;
}

DeviceDumpResult ParseDeviceDump(std::string_view interface_name, std::uint16_t family_id,
                                 std::uint32_t sequence,
                                 std::span<const std::span<std::uint8_t>> buffers,
                                 Protocol protocol) {
  DeviceDumpParser parser(interface_name, family_id, sequence, protocol);
  for (const auto& buffer : buffers) parser.Feed(buffer);
  DeviceDumpResult result;
  if (parser.status() == FeedStatus::kNeedMore) {
    result.error = Malformed("the answer ended before NLMSG_DONE");
  } else {
    result.error = parser.error();
    result.device = parser.TakeDevice();
  }
  return result;
}

std::optional<std::string> FormatEndpoint(std::span<const std::uint8_t> sockaddr_bytes) {
  sa_family_t family = AF_UNSPEC;
  if (sockaddr_bytes.size() < sizeof family) return std::nullopt;
  std::memcpy(&family, sockaddr_bytes.data(), sizeof family);
  char address[INET6_ADDRSTRLEN] = {};
  std::string text;
  if (family == AF_INET && sockaddr_bytes.size() == sizeof(sockaddr_in)) {
    sockaddr_in v4{};
    std::memcpy(&v4, sockaddr_bytes.data(), sizeof v4);
    if (inet_ntop(AF_INET, &v4.sin_addr, address, sizeof address) == nullptr) return std::nullopt;
    text = address;
    text += ':';
    text += std::to_string(ntohs(v4.sin_port));
    return text;
  }
  if (family == AF_INET6 && sockaddr_bytes.size() == sizeof(sockaddr_in6)) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, sockaddr_bytes.data(), sizeof v6);
    if (inet_ntop(AF_INET6, &v6.sin6_addr, address, sizeof address) == nullptr) return std::nullopt;
    text = '[';
    text += address;
    if (v6.sin6_scope_id != 0) {
      text += '%';
      text += std::to_string(v6.sin6_scope_id);
    }
    text += "]:";
    text += std::to_string(ntohs(v6.sin6_port));
    return text;
  }
  return std::nullopt;
}

}  // namespace wgx::netlink
