// The OpenMetrics 1.0.0 writer: the same samples as the text format, with
// the metadata rules that differ (counter and info family names, UNIT, HELP
// escaping, # EOF), whole and streamed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "exporter/metrics/exposition.h"
#include "exporter/metrics/families.h"
#include "exporter/metrics/format.h"
#include "tests/metrics/fixtures.h"

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace wgx::testing;  // NOLINT(google-build-using-namespace): test builders

constexpr std::int64_t kNow = 1'700'000'000;

ScrapeData Scenario() {
  ScrapeData data;
  data.now = UnixTime(kNow);
  data.build = {"0.1.0", "abc"};
  Peer shook = MakePeer(1);
  shook.last_handshake_seconds = kNow - 10;
  shook.receive_bytes = 100;
  shook.endpoint = "192.0.2.1:51820";
  Peer never = MakePeer(2);
  data.readings = {ReadingOf(MakeDevice("wg0", Implementation::kUserspace, {shook, never})),
                   MissingReading("wg9")};
  data.process = ProcessStats{.cpu_seconds = 1.5,
                              .virtual_memory_bytes = 1e8,
                              .resident_memory_bytes = 1e7,
                              .start_time_seconds = 1.6e9,
                              .open_fds = 8,
                              .max_fds = 1024,
                              .virtual_memory_max_bytes = 18446744073709551615.0};
  return data;
}

std::vector<std::string> SampleLines(const std::string& text) {
  std::vector<std::string> samples;
  for (const std::string& line : LinesStartingWith(text, "")) {
    if (!line.empty() && line[0] != '#') samples.push_back(line);
  }
  return samples;
}

TEST(OpenMetricsTest, SamplesAreTheTextFormatsAndTheEndIsEof) {
  const ScrapeData data = Scenario();
  const std::string text = data.Render(ExpositionFormat::kText);
  const std::string om = data.Render(ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(SampleLines(om), SampleLines(text));
  ASSERT_GE(om.size(), 6u);
  EXPECT_EQ(om.substr(om.size() - 6), "# EOF\n");
  EXPECT_EQ(om.find("# EOF"), om.size() - 6) << "one # EOF, at the end";
  EXPECT_THAT(text, Not(HasSubstr("# EOF")));
  EXPECT_THAT(text, Not(HasSubstr("# UNIT")));
}

TEST(OpenMetricsTest, CounterAndInfoFamiliesAreNamedWithoutTheirSuffix) {
  const std::string om = Scenario().Render(ExpositionFormat::kOpenMetrics);
  EXPECT_TRUE(HasLine(om, "# TYPE wireguard_peer_receive_bytes counter"));
  EXPECT_TRUE(HasLine(om, "# UNIT wireguard_peer_receive_bytes bytes"));
  EXPECT_TRUE(HasLine(om, "# HELP wireguard_peer_receive_bytes Bytes received from the peer."));
  EXPECT_TRUE(HasLine(om, "wireguard_peer_receive_bytes_total{interface=\"wg0\",public_key=\"" +
                              MakeKey(1).ToBase64() + "\",name=\"\"} 100"));
  EXPECT_TRUE(HasLine(om, "# TYPE wireguard_exporter_config_reloads counter"));
  EXPECT_TRUE(HasLine(om, "# TYPE process_cpu_seconds counter"));
  EXPECT_TRUE(HasLine(om, "# UNIT process_cpu_seconds seconds"));
  EXPECT_TRUE(HasLine(om, "process_cpu_seconds_total 1.5"));
  EXPECT_TRUE(HasLine(om, "# TYPE wireguard_peer info"));
  EXPECT_TRUE(HasLine(om, "# TYPE wireguard_interface info"));
  EXPECT_TRUE(HasLine(om, "# TYPE wireguard_exporter_build info"));
  EXPECT_TRUE(HasLine(om, "wireguard_exporter_build_info{version=\"0.1.0\",revision=\"abc\"} 1"));
  EXPECT_THAT(om, Not(HasSubstr("_total counter")));
  EXPECT_THAT(om, Not(HasSubstr("# UNIT wireguard_peer ")));

  // The classic format keeps the sample names and calls an info a gauge.
  const std::string text = Scenario().Render(ExpositionFormat::kText);
  EXPECT_TRUE(HasLine(text, "# TYPE wireguard_peer_receive_bytes_total counter"));
  EXPECT_TRUE(HasLine(text, "# TYPE wireguard_peer_info gauge"));
  EXPECT_TRUE(HasLine(text, "# TYPE process_cpu_seconds_total counter"));
}

TEST(OpenMetricsTest, UnitLinesExactlyWhereTheNameEndsInAUnit) {
  const std::string om = Scenario().Render(ExpositionFormat::kOpenMetrics);
  std::vector<std::string> with_unit;
  for (const std::string& line : LinesStartingWith(om, "# UNIT ")) {
    const std::string rest = line.substr(7);
    const std::string name = rest.substr(0, rest.find(' '));
    const std::string unit = rest.substr(rest.find(' ') + 1);
    EXPECT_TRUE(name.size() > unit.size() &&
                name.compare(name.size() - unit.size() - 1, std::string::npos, "_" + unit) == 0)
        << line;
    with_unit.push_back(name);
  }
  for (const std::string& line : LinesStartingWith(om, "# TYPE ")) {
    const std::string rest = line.substr(7);
    const std::string name = rest.substr(0, rest.find(' '));
    const bool unit_in_name = name.ends_with("_seconds") || name.ends_with("_bytes");
    EXPECT_EQ(std::count(with_unit.begin(), with_unit.end(), name), unit_in_name ? 1 : 0) << name;
  }
  EXPECT_TRUE(HasLine(om, "# UNIT wireguard_peer_last_handshake_age_seconds seconds"));
  EXPECT_TRUE(HasLine(om, "# UNIT process_virtual_memory_max_bytes bytes"));
}

TEST(OpenMetricsTest, HelpEscapesDoubleQuotes) {
  const std::string om = Scenario().Render(ExpositionFormat::kOpenMetrics);
  const std::string text = Scenario().Render(ExpositionFormat::kText);
  EXPECT_THAT(om, HasSubstr("the reason is logged. netns=\\\"\\\" is the exporter's own."));
  EXPECT_THAT(text, HasSubstr("the reason is logged. netns=\"\" is the exporter's own."));
}

TEST(OpenMetricsTest, NeverShookHandsIsPlusInfAndStreamsEndWithEof) {
  ScrapeData data = Scenario();
  data.readings.push_back(ReadingOf(MakeDevice("wg1", Implementation::kKernel, MakePeers(400))));
  const std::string whole = data.Render(ExpositionFormat::kOpenMetrics);
  EXPECT_THAT(whole, HasSubstr("wireguard_peer_last_handshake_age_seconds{interface=\"wg0\","
                               "public_key=\"" +
                               MakeKey(2).ToBase64() + "\",name=\"\"} +Inf\n"));
  std::string streamed;
  int pieces = 0;
  ASSERT_TRUE(StreamExposition(data.Inputs(ExpositionFormat::kOpenMetrics), 4096,
                               [&](std::string_view piece) {
                                 streamed.append(piece);
                                 ++pieces;
                                 return true;
                               }));
  EXPECT_GT(pieces, 10);
  EXPECT_EQ(streamed, whole);
}

TEST(OpenMetricsTest, MetadataNames) {
  EXPECT_EQ(MetadataName(families::kPeerTransmitBytes, ExpositionFormat::kOpenMetrics),
            "wireguard_peer_transmit_bytes");
  EXPECT_EQ(MetadataName(families::kPeerTransmitBytes, ExpositionFormat::kText),
            "wireguard_peer_transmit_bytes_total");
  EXPECT_EQ(MetadataName(families::kInterfaceInfo, ExpositionFormat::kOpenMetrics),
            "wireguard_interface");
  EXPECT_EQ(MetadataName(families::kPeerOnline, ExpositionFormat::kOpenMetrics),
            "wireguard_peer_online");
  std::string out;
  AppendFamilyHeader(out, Family{"x_thing", FamilyType::kUnknown, "a\\b\nc"},
                     ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(out, "# TYPE x_thing unknown\n# HELP x_thing a\\\\b\\nc\n");
  out.clear();
  AppendFamilyHeader(out, families::kPeerReceiveBytes, ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(out,
            "# TYPE wireguard_peer_receive_bytes counter\n"
            "# UNIT wireguard_peer_receive_bytes bytes\n"
            "# HELP wireguard_peer_receive_bytes Bytes received from the peer.\n");
  out.clear();
  AppendFamilyHeader(out, Family{"x_thing", FamilyType::kUnknown, "say \"hi\""},
                     ExpositionFormat::kText);
  EXPECT_EQ(out, "# HELP x_thing say \"hi\"\n# TYPE x_thing untyped\n");
}

TEST(OpenMetricsTest, ProcessFamiliesSwitchOffWithTheirToggle) {
  ScrapeData data = Scenario();
  for (const ExpositionFormat format : {ExpositionFormat::kText, ExpositionFormat::kOpenMetrics}) {
    const std::string on = data.Render(format);
    EXPECT_THAT(on, HasSubstr("\nprocess_open_fds 8\n"));
    EXPECT_THAT(on, HasSubstr("\nprocess_virtual_memory_max_bytes 1.8446744073709552e+19\n"));
    data.config.metrics.process = false;
    const std::string off = data.Render(format);
    data.config.metrics.process = true;
    EXPECT_THAT(off, Not(HasSubstr("process_")));
    // Nothing else changes.
    std::vector<std::string> expected;
    for (const std::string& line : LinesStartingWith(on, "")) {
      if (line.find("process_") == std::string::npos) expected.push_back(line);
    }
    EXPECT_EQ(LinesStartingWith(off, ""), expected);
  }
}

}  // namespace
}  // namespace wgx
