// The page at /: what the exporter is, where its endpoints are, and what it
// sees right now, as plain HTML (no scripts), so an operator can tell at a
// glance whether it reads the interfaces they expect.
#pragma once

#include <string>

#include "exporter/metrics/summary.h"

namespace wgx {

struct LandingPageInfo {
  std::string version;
  std::string revision;
  std::string telemetry_path = "/metrics";
  std::string config_file;  // empty: the built-in defaults
};

// `summary` is null when the interfaces could not be read for the page (too
// many scrapes at once); the page says so instead of showing a table.
std::string RenderLandingPage(const LandingPageInfo& info, const ScrapeSummary* summary);

}  // namespace wgx
