// One scrape: snapshot + live devices + clock -> Prometheus text exposition.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
  // False for a listed interface that does not exist: it was never read, so
  // it has no read duration (but is still reported as down).
  bool attempted = true;
};

struct BuildInfo {
  std::string version;
  std::string revision;
};

// Receives the exposition in order, piece by piece. Returns false to stop
// rendering early (for example when the client went away).
using ExpositionSink = std::function<bool(std::string_view chunk)>;

// Pure: the exact exposition for a config, a set of readings and a moment.
// Appends to `out` (one buffer reused across scrapes avoids reallocation).
// Families appear in a fixed order; every enabled family has HELP and TYPE,
// even when it has no samples, so the output's shape does not depend on the
// peers present. Families switched off in Config::metrics are left out
// entirely. Interfaces appear sorted by name; peers in device order.
void RenderExposition(const Config& config, const std::vector<InterfaceReading>& readings,
                      std::chrono::system_clock::time_point now, const ReloadStatus& reload,
                      const BuildInfo& build, double scrape_duration_seconds, std::string& out);

// The same exposition, handed to `sink` in pieces of about `chunk_bytes`, so a
// gateway with 100,000 peers never holds its whole (100 MB) exposition in
// memory. Returns false when the sink stopped it.
bool StreamExposition(const Config& config, const std::vector<InterfaceReading>& readings,
                      std::chrono::system_clock::time_point now, const ReloadStatus& reload,
                      const BuildInfo& build, double scrape_duration_seconds,
                      std::size_t chunk_bytes, const ExpositionSink& sink);

class Collector {
 public:
  Collector(ConfigStore& store, DeviceSource& source, WallClock clock, BuildInfo build);

  // Reloads the config if its files changed, lists and reads the selected
  // interfaces, and streams the exposition to `sink` in pieces of about
  // `chunk_bytes`. Never throws; a failing interface is a 0 and a log line,
  // never a failed scrape. Safe to call from several threads. Returns false
  // when the sink stopped it.
  bool Collect(const ExpositionSink& sink, std::size_t chunk_bytes = std::size_t{256} * 1024);

  // The same exposition as one string (for tests and tools; the HTTP server
  // streams).
  std::string Collect();

 private:
  struct Scrape {
    std::shared_ptr<const Config> config;
    ReloadStatus reload;  // the status of the reload that made `config`
    std::vector<InterfaceReading> readings;
    std::chrono::system_clock::time_point now;
    double duration_seconds = 0;
  };
  // Steps 1 and 2 of a scrape: one snapshot, then list and read.
  Scrape Gather();

  ConfigStore& store_;
  DeviceSource& source_;
  WallClock clock_;
  BuildInfo build_;
};

}  // namespace wgx
