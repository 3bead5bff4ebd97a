// The one WireGuard data model every reader produces and every consumer reads.
// Secrets never enter it: a private key is turned into its public key by the
// reader and wiped; preshared keys are only noted as present.
#pragma once

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
  // Zero when the peer never completed a handshake.
  std::int64_t last_handshake_seconds = 0;
  std::int64_t last_handshake_nanoseconds = 0;
  std::uint64_t receive_bytes = 0;
  std::uint64_t transmit_bytes = 0;
  std::uint16_t persistent_keepalive_interval = 0;  // seconds, 0 = off
  std::vector<AllowedIp> allowed_ips;

  friend bool operator==(const Peer&, const Peer&) = default;
};

struct Device {
  std::string name;
  Implementation implementation = Implementation::kUserspace;
  std::optional<Key> public_key;  // absent when no private key is set
  std::uint16_t listen_port = 0;
  std::uint32_t fwmark = 0;
  std::vector<Peer> peers;

  friend bool operator==(const Device&, const Device&) = default;
};

}  // namespace wgx
