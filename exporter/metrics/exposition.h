// The exposition writer: a config, the readings of one scrape and a moment ->
// Prometheus text exposition. Knows nothing of where readings come from.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/config_store.h"
#include "exporter/metrics/format.h"
#include "exporter/metrics/process_stats.h"
#include "exporter/wireguard/source.h"

namespace wgx {

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

// What one scrape hands to a writer, whatever the format. Borrowed, not
// owned: the readings of a large gateway are never copied. The writer's
// inputs are these and nothing else, so the same scrape writes the same
// exposition.
struct ScrapeInputs {
  const Config& config;
  const std::vector<InterfaceReading>& readings;
  std::chrono::system_clock::time_point now;
  const ReloadStatus& reload;  // of the reload that made `config`
  const BuildInfo& build;
  double scrape_duration_seconds = 0;
  // Every namespace looked at, the exporter's own first; none given: the
  // namespace families have no samples.
  const std::vector<NamespaceStatus>* namespaces = nullptr;
  ExpositionFormat format = ExpositionFormat::kText;
  // The exporter's own process; none given: no process_* families.
  const ProcessStats* process = nullptr;
};

// Pure: the exact exposition for a scrape's inputs, in `inputs.format`. Appends to `out` (one
// buffer reused across scrapes avoids reallocation). Families appear in a
// fixed order; every enabled family has HELP and TYPE, even when it has no
// samples, so the output's shape does not depend on the peers present.
// Families switched off in Config::metrics are left out entirely.
// Interfaces appear sorted by namespace (the exporter's own first), then by
// name; peers in device order. The process_* families come last, when
// `inputs.process` is given and Config::metrics has them on. An interface of another namespace
// carries its name as `netns`; the exporter's own carry no `netns`, as before namespaces.
void RenderExposition(const ScrapeInputs& inputs, std::string& out);

// The same exposition, handed to `sink` in pieces of about `chunk_bytes`, so a
// gateway with 100,000 peers never holds its whole (100 MB) exposition in
// memory. Returns false when the sink stopped it.
bool StreamExposition(const ScrapeInputs& inputs, std::size_t chunk_bytes,
                      const ExpositionSink& sink);

}  // namespace wgx
