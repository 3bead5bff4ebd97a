// AmneziaWG's names and numbers where they differ from WireGuard's. Its kernel
// module keeps WireGuard's generic netlink commands and attribute numbers and
// adds device attributes after WGDEVICE_A_PEERS; it registers its own family
// and link kind, so both modules can be loaded side by side. amneziawg-go
// keeps wireguard-go's UAPI and puts its sockets in a directory of its own.
#pragma once

#include <cstdint>

namespace wgx::amneziawg {

inline constexpr char kGenericNetlinkFamily[] = "amneziawg";
inline constexpr char kLinkKind[] = "amneziawg";
inline constexpr std::uint8_t kGenericNetlinkVersion = 3;
inline constexpr char kSocketDirectory[] = "/var/run/amneziawg";

// Device attributes beyond WireGuard's (enum wgdevice_attribute).
enum DeviceAttribute : std::uint16_t {
  kJunkCount = 9,  // u16 jc
  kJunkMin = 10,   // u16 jmin
  kJunkMax = 11,   // u16 jmax
  kPadding1 = 12,  // u16 s1 (handshake initiation)
  kPadding2 = 13,  // u16 s2 (handshake response)
  kHeader1 = 14,   // u64 h1: a u32 range, high << 32 | low
  kHeader2 = 15,
  kHeader3 = 16,
  kHeader4 = 17,
  kPeer = 18,      // nested, in unknown-peer notifications only
  kPadding3 = 19,  // u16 s3 (cookie reply)
  kPadding4 = 20,  // u16 s4 (transport)
  // 21..25: I1..I5 packet specifications (strings), 26: the header
  // protection key (secret), 27..32: timing overrides. None is kept.
};

}  // namespace wgx::amneziawg
