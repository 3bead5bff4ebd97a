#include "exporter/metrics/address_text.h"

#include <sys/socket.h>

#include <cstdint>

namespace wgx {
namespace {

char* WriteDecimalByte(char* p, std::uint8_t value) {
  if (value >= 100) {
    *p++ = static_cast<char>('0' + value / 100);
    *p++ = static_cast<char>('0' + value / 10 % 10);
  } else if (value >= 10) {
    *p++ = static_cast<char>('0' + value / 10);
  }
  *p++ = static_cast<char>('0' + value % 10);
  return p;
}

char* WriteIpv4(char* p, const std::uint8_t* bytes) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = WriteDecimalByte(p, bytes[i]);
  }
  return p;
}

char* WriteHexGroup(char* p, std::uint16_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const int digit = (value >> shift) & 0xf;
    if (digit != 0 || started || shift == 0) {
      *p++ = kHex[digit];
      started = true;
    }
  }
  return p;
}

// The same steps as glibc's inet_ntop6, so the text is identical.
char* WriteIpv6(char* p, const std::uint8_t* bytes) {
  std::uint16_t words[8];
  for (std::size_t i = 0; i < 8; ++i) {
    words[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base == -1) {
        cur_base = i;
        cur_len = 1;
      } else {
        ++cur_len;
      }
    } else if (cur_base != -1) {
      if (best_base == -1 || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
      }
      cur_base = -1;
    }
  }
  if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) {
    best_base = cur_base;
    best_len = cur_len;
  }
  if (best_base != -1 && best_len < 2) best_base = -1;

  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      return WriteIpv4(p, bytes + 12);
    }
    p = WriteHexGroup(p, words[i]);
  }
  if (best_base != -1 && best_base + best_len == 8) *p++ = ':';
  return p;
}

}  // namespace

void AppendAllowedIp(std::string& out, const AllowedIp& ip) {
  char buf[64];  // 39 for the longest IPv6 text, "/128"
  char* p =
      ip.family == AF_INET6 ? WriteIpv6(buf, ip.address.data()) : WriteIpv4(buf, ip.address.data());
  *p++ = '/';
  p = WriteDecimalByte(p, ip.cidr);
  out.append(buf, p);
}

}  // namespace wgx
