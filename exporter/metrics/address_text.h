// Allowed IPs as text, fast. inet_ntop formats through sprintf and was the
// largest single cost of wireguard_peer_info on large gateways; this writes
// the same characters directly.
#pragma once

#include <string>

#include "exporter/wireguard/device.h"

namespace wgx {

// Appends "10.0.0.1/32" or "fd00::1/128", character for character what
// inet_ntop (glibc) and a "/prefix" give: lowercase hex, the first longest
// run of two or more zero groups as "::", and "::a.b.c.d" / "::ffff:a.b.c.d"
// for IPv4-compatible and IPv4-mapped addresses. A family other than
// AF_INET6 is written as IPv4, as AllowedIp::AppendTo does.
void AppendAllowedIp(std::string& out, const AllowedIp& ip);

}  // namespace wgx
