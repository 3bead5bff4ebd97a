// Netlink messages for reading kernel WireGuard, as pure functions over bytes:
// request builders and incremental parsers for the answers. No sockets here,
// so every message shape (split peers, errors, malformed attributes) can be
// tested and fuzzed without a kernel.
//
// The answers arrive as a sequence of received buffers, each holding one or
// more netlink messages. Each parser is fed the buffers in order until it
// reports kDone or kError. Feed() wipes the buffer it was given, because a
// WireGuard device dump carries the interface's private key and every
// peer's preshared key.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/wireguard/device.h"

struct nlmsghdr;  // <linux/netlink.h>
struct nlattr;

namespace wgx::netlink {

enum class FeedStatus { kNeedMore, kDone, kError };

// What went wrong, for one request. `error_number` is the errno the kernel
// answered with (EPERM, ENODEV, ...), EINTR when a dump was interrupted by a
// concurrent change (the caller may simply ask again), or EBADMSG when the
// bytes themselves were malformed.
struct ParseError {
  int error_number = 0;
  std::string message;
};

// Answer to a WG_CMD_GET_DEVICE dump for one interface.
class DeviceDumpParser {
 public:
  // `family_id` is the resolved "wireguard" (or "amneziawg") generic netlink
  // family and `sequence` the request's sequence number; 0 for either accepts
  // any. `protocol` says which module answers: AmneziaWG's adds device
  // attributes and sends keepalive intervals as u16 ranges in a u32.
  DeviceDumpParser(std::string_view interface_name, std::uint16_t family_id, std::uint32_t sequence,
                   Protocol protocol = Protocol::kWireGuard);

  FeedStatus Feed(std::span<std::uint8_t> received);
  FeedStatus status() const { return status_; }
  const ParseError& error() const { return error_; }

  // The device, once status() is kDone; empty otherwise.
  std::optional<Device> TakeDevice();

 private:
  bool ParseMessage(const ::nlmsghdr* message);
  bool ParseAmneziaAttribute(const ::nlattr* attr, std::string& problem);

  FeedStatus status_ = FeedStatus::kNeedMore;
  ParseError error_;
  std::uint16_t family_id_;
  std::uint32_t sequence_;
  Device device_;
};

// A kernel WireGuard link and the module that made it.
struct KernelLink {
  std::string name;
  Protocol protocol = Protocol::kWireGuard;  // kind "wireguard" or "amneziawg"
  friend bool operator==(const KernelLink&, const KernelLink&) = default;
};

// Answer to an RTM_GETLINK dump: the links whose kind is "wireguard" or
// "amneziawg", and the names of every link (a userspace WireGuard's tun
// device among them).
class LinkDumpParser {
 public:
  explicit LinkDumpParser(std::uint32_t sequence);

  FeedStatus Feed(std::span<std::uint8_t> received);
  FeedStatus status() const { return status_; }
  const ParseError& error() const { return error_; }
  // In the order the kernel listed them (ascending ifindex).
  const std::vector<KernelLink>& wireguard_links() const { return links_; }
  const std::vector<std::string>& all_links() const { return all_links_; }

 private:
  bool ParseMessage(const ::nlmsghdr* message);

  FeedStatus status_ = FeedStatus::kNeedMore;
  ParseError error_;
  std::uint32_t sequence_;
  std::vector<KernelLink> links_;
  std::vector<std::string> all_links_;
};

// Answer to CTRL_CMD_GETFAMILY (sent with NLM_F_ACK): the family's id. A kernel
// without the family answers ENOENT.
class FamilyReplyParser {
 public:
  FamilyReplyParser(std::string_view family_name, std::uint32_t sequence);

  FeedStatus Feed(std::span<std::uint8_t> received);
  FeedStatus status() const { return status_; }
  const ParseError& error() const { return error_; }
  std::uint16_t family_id() const { return family_id_; }

 private:
  bool ParseMessage(const ::nlmsghdr* message);

  FeedStatus status_ = FeedStatus::kNeedMore;
  ParseError error_;
  std::string family_name_;
  std::uint32_t sequence_;
  std::uint16_t family_id_ = 0;
};

// Request builders. Each returns one complete netlink message, or an empty
// vector when the name cannot be sent (empty, or too long for the kernel).
std::vector<std::uint8_t> BuildGetDeviceRequest(std::string_view interface_name,
                                                std::uint16_t family_id, std::uint32_t sequence,
                                                Protocol protocol = Protocol::kWireGuard);
std::vector<std::uint8_t> BuildGetFamilyRequest(std::string_view family_name,
                                                std::uint32_t sequence);
std::vector<std::uint8_t> BuildGetLinkDumpRequest(std::uint32_t sequence);

// Whole-answer convenience over DeviceDumpParser: feeds every buffer (wiping
// each) and reports the device or why there is none.
struct DeviceDumpResult {
  std::optional<Device> device;
  ParseError error;
};
DeviceDumpResult ParseDeviceDump(std::string_view interface_name, std::uint16_t family_id,
                                 std::uint32_t sequence,
                                 std::span<const std::span<std::uint8_t>> buffers,
                                 Protocol protocol = Protocol::kWireGuard);

// "192.0.2.1:51820" or "[2001:db8::1]:51820" (with "%scope" for scoped IPv6)
// from a sockaddr_in / sockaddr_in6 as the kernel sends it; nullopt when the
// bytes are not one of those.
std::optional<std::string> FormatEndpoint(std::span<const std::uint8_t> sockaddr_bytes);

}  // namespace wgx::netlink
