// Parser for the answer a userspace WireGuard implementation (wireguard-go,
// boringtun) gives to `get=1` on its UAPI socket
// (https://www.wireguard.com/xplatform/):
//
//   private_key=<hex>          device keys first
//   listen_port=51820
//   fwmark=0                   (optional)
//   public_key=<hex>           each public_key starts a new peer
//   preshared_key=<hex>        all zeros when the peer has none
//   protocol_version=1
//   endpoint=192.0.2.1:51820   or [2001:db8::1]:51820; absent when unknown
//   last_handshake_time_sec=N
//   last_handshake_time_nsec=N
//   tx_bytes=N
//   rx_bytes=N
//   persistent_keepalive_interval=N
//   allowed_ip=10.0.0.2/32     zero or more
//   errno=0                    status; nonzero means the request failed
//   <empty line>
//
// Dialects, told apart by the answer itself:
// - boringtun starts with own_public_key=<hex> (it never sends private_key),
//   writes no protocol_version, and its last_handshake_time_sec/_nsec are the
//   time since the handshake, not a Unix time: such peers come out with
//   Peer::handshake_elapsed set, for ResolveElapsedHandshakes.
// - amneziawg-go adds device keys (jc, jmin, jmax, s1..s4, h1..h4 as a number
//   or "lo-hi", i1..i5, header_protection_key, random_trailers, ...) before
//   the first peer, and may give persistent_keepalive_interval as "lo-hi";
//   any of them marks the device as Protocol::kAmneziaWg.
//
// The parser is total: any byte sequence yields a Device or an error, never a
// crash, so it doubles as the fuzz target for the userspace transport.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "exporter/wireguard/device.h"

namespace wgx {

struct UapiParseResult {
  std::optional<Device> device;  // set on success
  // On failure, e.g. "parse error at line 7: rx_bytes is not a number".
  // Never contains key material or other values from the answer.
  std::string error;
};

// Parses one complete answer, which must end with its terminating empty line
// and nothing after it. Keys this parser does not know are skipped, so newer
// implementations that add fields still parse. The private key is turned into
// the device's public key and every copy the parser made is wiped; the caller
// owns `answer` and should wipe it once this returns.
UapiParseResult ParseUapiGet(std::string_view answer, std::string_view interface_name);

}  // namespace wgx
