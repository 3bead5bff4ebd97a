// One scrape: snapshot + live devices + clock, handed to the exposition writer.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/config_store.h"
#include "exporter/metrics/exposition.h"
#include "exporter/wireguard/source.h"

namespace wgx {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

class Collector {
 public:
  Collector(ConfigStore& store, DeviceSource& source, WallClock clock, BuildInfo build);

  // Reloads the config if its files changed, lists and reads the selected
  // interfaces, and streams the exposition to `sink` in pieces of about
  // `chunk_bytes`. Never throws; a failing interface is a 0 and a log line,
  // never a failed scrape. Safe to call from several threads. Returns false
  // when the sink stopped it.
  bool Collect(const ExpositionSink& sink, std::size_t chunk_bytes = std::size_t{256} * 1024);

  // The same scrape, its exposition collected into one string (for tests and
  // tools; the HTTP server streams).
  std::string CollectText();

 private:
  struct Scrape {
    std::shared_ptr<const Config> config;
    ReloadStatus reload;  // the status of the reload that made `config`
    std::vector<InterfaceReading> readings;
    std::vector<NamespaceStatus> namespaces;  // every namespace looked at, own first
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
