#include "exporter/metrics/address_text.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <random>
#include <string>

#include "tests/metrics/fixtures.h"

namespace wgx {
namespace {

using wgx::testing::MakeAllowedIp;

std::string Fast(const AllowedIp& ip) {
  std::string out;
  AppendAllowedIp(out, ip);
  return out;
}

TEST(AppendAllowedIpTest, WritesTheUsualForms) {
  EXPECT_EQ(Fast(MakeAllowedIp("10.0.0.2", 32)), "10.0.0.2/32");
  EXPECT_EQ(Fast(MakeAllowedIp("0.0.0.0", 0)), "0.0.0.0/0");
  EXPECT_EQ(Fast(MakeAllowedIp("255.255.255.255", 32)), "255.255.255.255/32");
  EXPECT_EQ(Fast(MakeAllowedIp("fd00::2", 128)), "fd00::2/128");
  EXPECT_EQ(Fast(MakeAllowedIp("::", 0)), "::/0");
  EXPECT_EQ(Fast(MakeAllowedIp("::1", 128)), "::1/128");
  EXPECT_EQ(Fast(MakeAllowedIp("2001:db8:0:0:1:0:0:1", 64)), "2001:db8::1:0:0:1/64");
  EXPECT_EQ(Fast(MakeAllowedIp("2001:0:0:1:0:0:0:1", 64)), "2001:0:0:1::1/64");
  EXPECT_EQ(Fast(MakeAllowedIp("1:0:2:3:4:5:6:7", 64)), "1:0:2:3:4:5:6:7/64");
  EXPECT_EQ(Fast(MakeAllowedIp("::ffff:192.0.2.1", 128)), "::ffff:192.0.2.1/128");
  EXPECT_EQ(Fast(MakeAllowedIp("::192.0.2.1", 128)), "::192.0.2.1/128");
  EXPECT_EQ(Fast(MakeAllowedIp("fe80::", 10)), "fe80::/10");
  EXPECT_EQ(Fast(MakeAllowedIp("ABCD:EF01::", 32)), "abcd:ef01::/32");
}

TEST(AppendAllowedIpTest, UnknownFamilyIsWrittenAsIpv4LikeAppendTo) {
  AllowedIp ip = MakeAllowedIp("10.1.2.3", 8);
  ip.family = 0;
  EXPECT_EQ(Fast(ip), ip.ToString());
}

// Zero groups are what the compression rules are about, so random addresses
// are mostly zeros, with IPv4-mapped and -compatible prefixes mixed in.
TEST(AppendAllowedIpTest, MatchesInetNtopOnRandomAddresses) {
  std::mt19937 rng(7);
  for (int n = 0; n < 200'000; ++n) {
    AllowedIp ip;
    ip.cidr = static_cast<std::uint8_t>(rng() % 129);
    ip.family = rng() % 4 == 0 ? AF_INET : AF_INET6;
    for (std::size_t word = 0; word < 8; ++word) {
      const unsigned shape = rng() % 4;
      const std::uint16_t value = shape == 0   ? static_cast<std::uint16_t>(rng())
                                  : shape == 1 ? static_cast<std::uint16_t>(rng() % 16)
                                               : 0;
      ip.address[2 * word] = static_cast<std::uint8_t>(value >> 8);
      ip.address[2 * word + 1] = static_cast<std::uint8_t>(value);
    }
    if (rng() % 8 == 0) {
      ip.address[10] = ip.address[11] = 0xff;
      for (int i = 0; i < 10; ++i) ip.address[i] = 0;
    }
    ASSERT_EQ(Fast(ip), ip.ToString()) << n;
  }
}

}  // namespace
}  // namespace wgx
