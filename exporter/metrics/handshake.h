// Handshake time arithmetic shared by the exposition writer and the scrape
// summary, so both call a peer online by the same rule.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

#include "exporter/wireguard/device.h"

namespace wgx {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

inline std::int64_t ToNanos(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

inline bool NeverShookHands(const Peer& peer) {
  return peer.last_handshake_seconds == 0 && peer.last_handshake_nanoseconds == 0;
}

__extension__ using Int128 = __int128;

// Handshake time in nanoseconds since the epoch, saturating instead of
// overflowing on nonsense from a device. Neither field is bounded (the
// nanoseconds need not be under a second), and 128 bits hold the exact sum
// of any two, so the clamp alone decides.
inline std::int64_t HandshakeNanos(const Peer& peer) {
  const Int128 nanos =
      Int128{peer.last_handshake_seconds} * kNanosPerSecond + peer.last_handshake_nanoseconds;
  return static_cast<std::int64_t>(std::clamp<Int128>(
      nanos, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()));
}

// Age of the last handshake; 0 when it lies ahead of `now_ns`. Callers check
// NeverShookHands first.
inline std::int64_t HandshakeAgeNanos(const Peer& peer, std::int64_t now_ns) {
  const std::int64_t handshake_ns = HandshakeNanos(peer);
  if (handshake_ns >= now_ns) return 0;
  std::int64_t age;
  if (__builtin_sub_overflow(now_ns, handshake_ns, &age)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return age;
}

// Online: shook hands, and the handshake is at most `threshold_ns` old.
inline bool PeerIsOnline(const Peer& peer, std::int64_t now_ns, std::int64_t threshold_ns) {
  return !NeverShookHands(peer) && HandshakeAgeNanos(peer, now_ns) <= threshold_ns;
}

}  // namespace wgx
