// The one WireGuard data model every reader produces and every consumer reads.
// Secrets never enter it: a private key is turned into its public key by the
// reader and wiped; preshared keys are only noted as present.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exporter/wireguard/key.h"

namespace wgx {

enum class Implementation { kKernel, kUserspace };

inline const char* ImplementationName(Implementation impl) {
  return impl == Implementation::kKernel ? "kernel" : "userspace";
}

// Which protocol the interface speaks: WireGuard itself, or AmneziaWG (a
// WireGuard fork with junk packets and changed headers, read through the same
// transports under its own names).
enum class Protocol { kWireGuard, kAmneziaWg };

inline const char* ProtocolName(Protocol protocol) {
  return protocol == Protocol::kAmneziaWg ? "amneziawg" : "wireguard";
}

// An AmneziaWG setting that may be a range: "lo-hi", or one number (lo == hi).
struct ValueRange {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  friend bool operator==(const ValueRange&, const ValueRange&) = default;
};

// AmneziaWG's obfuscation parameters (none of them secret; the header
// protection key and the I1..I5 packet specifications are never kept).
struct AmneziaParameters {
  std::uint32_t junk_count = 0;            // jc
  std::uint32_t junk_min = 0;              // jmin
  std::uint32_t junk_max = 0;              // jmax
  std::array<std::uint32_t, 4> padding{};  // s1..s4: init, response, cookie, transport
  std::array<ValueRange, 4> headers{};     // h1..h4: the same four message types
  friend bool operator==(const AmneziaParameters&, const AmneziaParameters&) = default;
};

struct AllowedIp {
  int family = 0;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> address{};
  std::uint8_t cidr = 0;

  friend bool operator==(const AllowedIp&, const AllowedIp&) = default;
  // "10.0.0.1/32" or "fd00::1/128".
  std::string ToString() const;
  void AppendTo(std::string& out) const;
};

struct Peer {
  Key public_key;
  bool has_preshared_key = false;
  // "192.0.2.1:51820" or "[2001:db8::1]:51820"; empty when the peer has none.
  std::string endpoint;
  // Unix time of the last handshake; zero when the peer never completed one.
  // While `handshake_elapsed` is set (boringtun's dialect, until
  // ResolveElapsedHandshakes runs) the two hold the time since it instead.
  std::int64_t last_handshake_seconds = 0;
  std::int64_t last_handshake_nanoseconds = 0;
  bool handshake_elapsed = false;
  std::uint64_t receive_bytes = 0;
  std::uint64_t transmit_bytes = 0;
  std::uint16_t persistent_keepalive_interval = 0;  // seconds, 0 = off
  std::vector<AllowedIp> allowed_ips;

  friend bool operator==(const Peer&, const Peer&) = default;
};

struct Device {
  std::string name;
  Implementation implementation = Implementation::kUserspace;
  Protocol protocol = Protocol::kWireGuard;
  std::optional<AmneziaParameters> amnezia;  // AmneziaWG only
  std::optional<Key> public_key;             // absent when no private key is set
  std::uint16_t listen_port = 0;
  std::uint32_t fwmark = 0;
  std::vector<Peer> peers;

  friend bool operator==(const Device&, const Device&) = default;
};

// Turns every handshake given as time elapsed into the Unix time it happened,
// taking `now` as the moment the elapsed time was measured. A handshake
// "older" than the Unix epoch is reported as none.
void ResolveElapsedHandshakes(Device& device, std::chrono::system_clock::time_point now);

}  // namespace wgx
