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
#include "exporter/metrics/process_stats.h"
#include "exporter/metrics/summary.h"
#include "exporter/wireguard/source.h"

namespace wgx {

using WallClock = std::function<std::chrono::system_clock::time_point()>;

class Collector {
 public:
  // With a `process` reader, every scrape also reads the exporter's own
  // process figures (unless the config switches them off).
  Collector(ConfigStore& store, DeviceSource& source, WallClock clock, BuildInfo build,
            const ProcessReader* process = nullptr);

  // Reloads the config if its files changed, lists and reads the selected
  // interfaces, and streams the exposition in `format` to `sink` in pieces of
  // about `chunk_bytes`. Never throws; a failing interface is a 0 and a log
  // line, never a failed scrape. Safe to call from several threads. Returns
  // false when the sink stopped it.
  bool Collect(const ExpositionSink& sink, std::size_t chunk_bytes = std::size_t{256} * 1024,
               ExpositionFormat format = ExpositionFormat::kText);

  // The same scrape, its exposition collected into one string (for tests and
  // tools; the HTTP server streams).
  std::string CollectText(ExpositionFormat format = ExpositionFormat::kText);

  // What the landing page shows: the interfaces and namespaces of a scrape
  // made now, without writing an exposition.
  ScrapeSummary Summarize();

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
  const ProcessReader* process_;
};

}  // namespace wgx
