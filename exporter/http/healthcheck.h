// A client for the exporter's own /-/healthy, for container health checks in
// images that hold no HTTP client of their own (`--healthcheck`).
#pragma once

#include <chrono>
#include <string>

namespace wgx {

struct HealthCheckResult {
  bool healthy = false;
  std::string detail;  // the status line, or why there was none
};

// GET http://HOST:PORT/-/healthy, where HOST:PORT is taken from a
// --web.listen-address value (an empty host is 127.0.0.1). Healthy only on a
// 200 answer within the timeout.
HealthCheckResult CheckHealth(const std::string& listen_address,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace wgx
