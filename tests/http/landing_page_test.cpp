// The landing page's content: build, config file, interfaces with their
// state and peer counts, namespaces; everything escaped, no scripts.
#include "exporter/http/landing_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

ScrapeSummary Summary() {
  ScrapeSummary summary;
  summary.read_at = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  InterfaceSummary wg0;
  wg0.name = "wg0";
  wg0.up = true;
  wg0.listed = true;
  wg0.implementation = "kernel";
  wg0.listen_port = 51820;
  wg0.peers = 12;
  wg0.peers_online = 7;
  InterfaceSummary wg9;
  wg9.name = "wg9";
  wg9.listed = true;
  wg9.error = "not found";
  InterfaceSummary vpn;
  vpn.netns = "<vpn&a>";
  vpn.name = "wg0";
  vpn.up = true;
  vpn.implementation = "userspace";
  vpn.peers = 1;
  summary.interfaces = {wg0, wg9, vpn};
  summary.namespaces = {NamespaceSummary{"", true, 2, ""}, NamespaceSummary{"<vpn&a>", true, 1, ""},
                        NamespaceSummary{"pid-42", false, 0, "entering: permission denied"}};
  return summary;
}

TEST(LandingPageTest, ShowsBuildConfigInterfacesAndNamespaces) {
  const ScrapeSummary summary = Summary();
  const std::string page =
      RenderLandingPage({"1.2.3", "cafe01", "/metrics", "/etc/wg/exporter.yml"}, &summary);
  EXPECT_THAT(page, HasSubstr("<p id=\"build\">Version 1.2.3, revision cafe01.</p>"));
  EXPECT_THAT(page, HasSubstr("<a href=\"/metrics\">Metrics</a>"));
  EXPECT_THAT(page, HasSubstr("Configuration file: <code>/etc/wg/exporter.yml</code>"));
  EXPECT_THAT(page,
              HasSubstr("<tr><td>(own)</td><td>wg0</td><td class=\"up\">up</td>"
                        "<td>kernel</td><td>51820</td><td>12</td><td>7</td><td>yes</td></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>(own)</td><td>wg9</td><td class=\"down\">down: not "
                              "found</td><td></td><td></td><td></td><td></td><td>yes</td></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>&lt;vpn&amp;a&gt;</td><td>wg0</td><td class=\"up\">up</td>"
                              "<td>userspace</td><td>0</td><td>1</td><td>0</td>"
                              "<td>no (discovered)</td></tr>"));
  EXPECT_THAT(page, HasSubstr("<tr><td>pid-42</td><td class=\"down\">down: entering: permission "
                              "denied</td><td>0</td></tr>"));
  EXPECT_THAT(page, HasSubstr("Read at 2023-11-14 22:13:20 UTC."));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<vpn")));
}

TEST(LandingPageTest, BuiltInDefaultsAndAFailedReload) {
  ScrapeSummary summary;
  summary.reload.last_reload_successful = false;
  summary.reload.last_error = "c.yml:2:3: bad <thing>";
  const std::string page = RenderLandingPage({"1", "r", "/m", ""}, &summary);
  EXPECT_THAT(page, HasSubstr("Built-in defaults (no --config.file)"));
  EXPECT_THAT(page, HasSubstr("The last reload failed; the previous configuration keeps serving: "
                              "c.yml:2:3: bad &lt;thing&gt;"));
  EXPECT_THAT(page, HasSubstr("<p id=\"no-interfaces\">"));
  EXPECT_THAT(page, HasSubstr("<a href=\"/m\">Metrics</a>"));
}

TEST(LandingPageTest, WithoutALiveReadSaysSo) {
  const std::string page = RenderLandingPage({"1", "r", "/metrics", "x.yml"}, nullptr);
  EXPECT_THAT(page, HasSubstr("<p id=\"not-read\">"));
  EXPECT_THAT(page, Not(HasSubstr("<table")));
}

}  // namespace
}  // namespace wgx
