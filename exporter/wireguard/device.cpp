#include "exporter/wireguard/device.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>

namespace wgx {

void AllowedIp::AppendTo(std::string& out) const {
  char buf[INET6_ADDRSTRLEN + 8];
  if (inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, address.data(), buf, sizeof buf) ==
      nullptr) {
    return;
  }
  out.append(buf);
  out.push_back('/');
  char num[4];
  auto [end, ec] = std::to_chars(num, num + sizeof num, int{cidr});
  (void)ec;
  out.append(num, end);
}

void ResolveElapsedHandshakes(Device& device, std::chrono::system_clock::time_point now) {
  constexpr std::int64_t kNanosecondsPerSecond = 1'000'000'000;
  const std::int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  for (Peer& peer : device.peers) {
    if (!peer.handshake_elapsed) continue;
    peer.handshake_elapsed = false;
    // Elapsed seconds are at most INT64_MAX; compare before multiplying.
    const bool older_than_epoch =
        peer.last_handshake_seconds > now_ns / kNanosecondsPerSecond ||
        peer.last_handshake_seconds * kNanosecondsPerSecond + peer.last_handshake_nanoseconds >=
            now_ns;
    if (older_than_epoch) {
      peer.last_handshake_seconds = 0;
      peer.last_handshake_nanoseconds = 0;
      continue;
    }
    const std::int64_t at = now_ns - (peer.last_handshake_seconds * kNanosecondsPerSecond +
                                      peer.last_handshake_nanoseconds);
    peer.last_handshake_seconds = at / kNanosecondsPerSecond;
    peer.last_handshake_nanoseconds = at % kNanosecondsPerSecond;
  }
}

std::string AllowedIp::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

}  // namespace wgx
