// One scrape: snapshot + live devices + clock -> Prometheus text exposition.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/config_store.h"
#include "exporter/wireguard/source.h"

namespace wgx {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

// What one interface read produced, as the renderer needs it.
struct InterfaceReading {
  InterfaceRef interface;
  ReadResult result;
};

struct BuildInfo {
  std::string version;
  std::string revision;
};

// Pure: the exact exposition for a config, a set of readings and a moment.
// Appends to `out` (one buffer reused across scrapes avoids reallocation).
// Families appear in a fixed order; every family has HELP and TYPE.
void RenderExposition(const Config& config, const std::vector<InterfaceReading>& readings,
                      std::chrono::system_clock::time_point now, const ReloadStatus& reload,
                      const BuildInfo& build, double list_duration_seconds, std::string& out);

class Collector {
 public:
  Collector(ConfigStore& store, DeviceSource& source, WallClock clock, BuildInfo build);

  // Reloads the config if its files changed, lists and reads the selected
  // interfaces, and renders. Never throws; a failing interface is a 0 and a
  // log line, never a failed scrape.
  std::string Collect();

 private:
  ConfigStore& store_;
  DeviceSource& source_;
  WallClock clock_;
  BuildInfo build_;
};

}  // namespace wgx
