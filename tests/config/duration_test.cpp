#include "exporter/config/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace wgx {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr long long kSecond = 1000;
constexpr long long kMinute = 60 * kSecond;
constexpr long long kHour = 60 * kMinute;
constexpr long long kDay = 24 * kHour;

struct GoodCase {
  const char* text;
  long long milliseconds;
};

class ParseDurationGood : public ::testing::TestWithParam<GoodCase> {};

TEST_P(ParseDurationGood, Parses) {
  const DurationParseResult result = ParseDuration(GetParam().text);
  ASSERT_TRUE(std::holds_alternative<milliseconds>(result))
      << GetParam().text << ": " << std::get<std::string>(result);
  EXPECT_EQ(std::get<milliseconds>(result).count(), GetParam().milliseconds) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDurationGood,
    ::testing::Values(GoodCase{"0", 0}, GoodCase{"0s", 0}, GoodCase{"90s", 90 * kSecond},
                      GoodCase{"3m", 3 * kMinute}, GoodCase{"150s", 150 * kSecond},
                      GoodCase{"1h30m", kHour + 30 * kMinute}, GoodCase{"500ms", 500},
                      GoodCase{"1d", kDay}, GoodCase{"1w", 7 * kDay}, GoodCase{"1y", 365 * kDay},
                      GoodCase{"1y2w3d4h5m6s7ms", 365 * kDay + 14 * kDay + 3 * kDay + 4 * kHour +
                                                      5 * kMinute + 6 * kSecond + 7},
                      GoodCase{"1m500ms", kMinute + 500}, GoodCase{"007s", 7 * kSecond},
                      GoodCase{"2h0m", 2 * kHour}, GoodCase{"36h", 36 * kHour}));

struct BadCase {
  const char* text;
  const char* reason;  // part of the error message
};

class ParseDurationBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseDurationBad, IsRejectedWithReason) {
  const DurationParseResult result = ParseDuration(GetParam().text);
  ASSERT_TRUE(std::holds_alternative<std::string>(result)) << GetParam().text;
  const std::string& message = std::get<std::string>(result);
  EXPECT_THAT(message, HasSubstr("invalid duration \"" + std::string(GetParam().text) + "\""));
  EXPECT_THAT(message, HasSubstr(GetParam().reason)) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDurationBad,
    ::testing::Values(BadCase{"", "empty"}, BadCase{"90", "missing unit after 90"},
                      BadCase{"3x", "unknown unit \"x\""}, BadCase{"1.5h", "fractions"},
                      BadCase{"30m1h", "out of order"}, BadCase{"1m1m", "repeated or out of order"},
                      BadCase{"1s1ms1s", "repeated or out of order"}, BadCase{"-3m", "negative"},
                      BadCase{"+3m", "expected a number"}, BadCase{" 3m", "expected a number"},
                      BadCase{"3m ", "expected a number"}, BadCase{"3 m", "unexpected character"},
                      BadCase{"m", "expected a number"}, BadCase{"1h30", "missing unit after 30"},
                      BadCase{"3M", "unknown unit \"M\""}, BadCase{"1sm", "unknown unit \"sm\""},
                      BadCase{"1mss", "unknown unit"},
                      BadCase{"99999999999999999999s", "out of range"},
                      BadCase{"300000000y", "out of range"}));

TEST(FormatDuration, WritesPrometheusForm) {
  EXPECT_EQ(FormatDuration(milliseconds{0}), "0s");
  EXPECT_EQ(FormatDuration(milliseconds{90 * kSecond}), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds{3 * kMinute}), "3m");
  EXPECT_EQ(FormatDuration(milliseconds{kHour + 30 * kMinute}), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds{500}), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds{kDay + 12 * kHour}), "1d12h");
  EXPECT_EQ(FormatDuration(milliseconds{14 * kDay}), "2w");
  EXPECT_EQ(FormatDuration(milliseconds{365 * kDay}), "1y");
  // Years and weeks only when exact, as Prometheus prints them.
  EXPECT_EQ(FormatDuration(milliseconds{400 * kDay}), "400d");
  EXPECT_EQ(FormatDuration(milliseconds{8 * kDay}), "8d");
  EXPECT_EQ(FormatDuration(milliseconds{-90 * kSecond}), "-1m30s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (long long ms : {1LL, 999LL, 1000LL, 61'001LL, 3 * kHour + 1, 8 * kDay + 5, 365 * kDay,
                       730 * kDay + 7 * kDay, 12345678901LL}) {
    const std::string text = FormatDuration(milliseconds{ms});
    const DurationParseResult parsed = ParseDuration(text);
    ASSERT_TRUE(std::holds_alternative<milliseconds>(parsed)) << text;
    EXPECT_EQ(std::get<milliseconds>(parsed).count(), ms) << text;
  }
}

}  // namespace
}  // namespace wgx
