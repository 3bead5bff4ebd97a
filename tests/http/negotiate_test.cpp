// Accept headers as real clients send them, and the format each gets.
#include "exporter/http/negotiate.h"

#include <gtest/gtest.h>

namespace wgx {
namespace {

constexpr ExpositionFormat kText = ExpositionFormat::kText;
constexpr ExpositionFormat kOpenMetrics = ExpositionFormat::kOpenMetrics;

// Prometheus 2.x (Debian 12's 2.42 included): scrape/scrape.go's
// scrapeAcceptHeader.
constexpr char kPrometheus2[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
// Prometheus 2.x with native histograms: protobuf first.
constexpr char kPrometheus2Protobuf[] =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,"
    "application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
// Prometheus 3.x, default scrape_protocols, as its acceptHeader() builds it.
constexpr char kPrometheus3[] =
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;"
    "escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
// Later Prometheus 3 releases put the text format first by default; the
// text format 1.0.0 (UTF-8 names) is not served, 0.0.4 is.
constexpr char kPrometheus3TextFirst[] =
    "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,text/plain;version=0.0.4;q=0.5,"
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.4,*/*;q=0.3";
// Prometheus 3.x with scrape_protocols: [PrometheusText0.0.4].
constexpr char kPrometheus3TextOnly[] = "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
constexpr char kChromium[] =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
constexpr char kFirefox[] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

TEST(NegotiateTest, PrometheusGetsOpenMetrics) {
  EXPECT_EQ(NegotiateFormat(kPrometheus2), kOpenMetrics);
  EXPECT_EQ(NegotiateFormat(kPrometheus2Protobuf), kOpenMetrics);
  EXPECT_EQ(NegotiateFormat(kPrometheus3), kOpenMetrics);
}

TEST(NegotiateTest, PrometheusAskingForTextGetsText) {
  EXPECT_EQ(NegotiateFormat(kPrometheus3TextOnly), kText);
  EXPECT_EQ(NegotiateFormat(kPrometheus3TextFirst), kText);
}

TEST(NegotiateTest, CurlBrowsersAndNoHeaderGetText) {
  EXPECT_EQ(NegotiateFormat(nullptr), kText);
  EXPECT_EQ(NegotiateFormat(""), kText);
  EXPECT_EQ(NegotiateFormat("*/*"), kText);  // curl, wget, Python's urllib
  EXPECT_EQ(NegotiateFormat(kChromium), kText);
  EXPECT_EQ(NegotiateFormat(kFirefox), kText);
  EXPECT_EQ(NegotiateFormat("text/plain"), kText);
  EXPECT_EQ(NegotiateFormat("text/*"), kText);
}

TEST(NegotiateTest, QualityDecidesThenSpecificityThenOrder) {
  EXPECT_EQ(NegotiateFormat("text/plain;q=0.5,application/openmetrics-text;version=1.0.0"),
            kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0;q=0.4,text/plain;q=0.5"),
            kText);
  // Equal q: the named format beats the wildcard, whatever the order.
  EXPECT_EQ(NegotiateFormat("*/*,application/openmetrics-text;version=1.0.0"), kOpenMetrics);
  // Equal q and specificity: the first wins.
  EXPECT_EQ(NegotiateFormat("text/plain,application/openmetrics-text;version=1.0.0"), kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,text/plain"), kOpenMetrics);
}

TEST(NegotiateTest, UnservedVersionsAndRefusalsArePassedOver) {
  // OpenMetrics without a version is 0.0.1, which is not served.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text"), kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=0.0.1"), kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0;q=0"), kText);
  EXPECT_EQ(NegotiateFormat("text/plain;version=1.0.0,application/openmetrics-text;"
                            "version=1.0.0;q=0.1"),
            kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/json"), kText);
  EXPECT_EQ(NegotiateFormat("application/*"), kText);
}

TEST(NegotiateTest, ToleratesSpacingCaseAndQuotes) {
  EXPECT_EQ(
      NegotiateFormat(" Application/OpenMetrics-Text ; Version=\"1.0.0\" ; Q=0.9 , */*;q=0.1"),
      kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            kOpenMetrics);
}

TEST(NegotiateTest, MalformedRangesAreIgnored) {
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0;q=abc"), kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0;q=2"), kText);
  EXPECT_EQ(NegotiateFormat(",,;;,garbage,/,=;q=,application/openmetrics-text;version=1.0.0"),
            kOpenMetrics);
}

TEST(NegotiateTest, ContentTypes) {
  EXPECT_STREQ(ContentType(kText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_STREQ(ContentType(kOpenMetrics),
               "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

}  // namespace
}  // namespace wgx
