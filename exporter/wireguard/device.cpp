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

std::string AllowedIp::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

}  // namespace wgx
