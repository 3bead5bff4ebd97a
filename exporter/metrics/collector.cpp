#include "exporter/metrics/collector.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace wgx {

Collector::Collector(ConfigStore& store, DeviceSource& source, WallClock clock, BuildInfo build,
                     const ProcessReader* process)
    : store_(store),
      source_(source),
      clock_(std::move(clock)),
      build_(std::move(build)),
      process_(process) {}

Collector::Scrape Collector::Gather() {
  store_.ReloadIfChanged();
  Scrape scrape;
  // The one snapshot this scrape uses, whatever reloads happen meanwhile,
  // and the reload status that goes with it.
  StoreView view = store_.View();
  scrape.config = std::move(view.config);
  scrape.reload = std::move(view.status);
  const Config& config = *scrape.config;
  const auto started = std::chrono::steady_clock::now();

  Listing listing;
  try {
    listing = source_.ListNamespaces(config.namespaces);
  } catch (const std::exception& e) {
    listing.errors.emplace_back(e.what());
  }
  for (const std::string& error : listing.errors) {
    spdlog::warn("listing WireGuard interfaces: {}", error);
  }
  scrape.namespaces = std::move(listing.namespaces);

  // An interface is known by its namespace and its name.
  using Identity = std::pair<std::string_view, std::string_view>;
  std::set<Identity> present;
  std::vector<ReadRequest> requests;
  for (const InterfaceRef& ref : listing.interfaces) {
    // The source promises each once; be sure.
    if (!present.emplace(ref.netns, ref.name).second) continue;
    if (!config.Selects(ref.netns, ref.name)) continue;
    const InterfaceConfig* iface = config.Find(ref.netns, ref.name);
    requests.push_back({ref, iface ? iface->read_timeout : config.default_read_timeout});
  }

  std::vector<ReadResult> results;
  if (!requests.empty()) {
    try {
      results = source_.Read(requests);
    } catch (const std::exception& e) {
      results.clear();
      spdlog::error("reading WireGuard interfaces: {}", e.what());
    }
  }
  const std::size_t answered = results.size();
  results.resize(requests.size());
  // A down interface is logged with its reason, whatever the source did or
  // did not say.
  for (std::size_t i = 0; i < results.size(); ++i) {
    ReadResult& result = results[i];
    if (i >= answered) {
      result = ReadResult{std::nullopt, "no answer from the reader", 0};
    } else if (!result.device && result.error.empty()) {
      result.error = "the reader returned no device and no error";
    }
  }

  scrape.readings.reserve(requests.size() + config.interfaces.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    scrape.readings.push_back({requests[i].interface, std::move(results[i]), true});
  }
  // A listed interface that is not there is still reported, as down.
  for (const InterfaceConfig& iface : config.interfaces) {
    if (present.count({iface.netns, iface.name}) != 0 || !config.Selects(iface.netns, iface.name)) {
      continue;
    }
    scrape.readings.push_back(
        {InterfaceRef{iface.name, Implementation::kUserspace, iface.netns},
         {std::nullopt, iface.netns.empty() ? "not found" : "not found in namespace " + iface.netns,
          0},
         false});
  }
  scrape.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  scrape.now = clock_();
  for (InterfaceReading& reading : scrape.readings) {
    if (!reading.result.device) continue;
    Device& device = *reading.result.device;
    // boringtun gives handshake times as time elapsed: dated by this scrape's clock.
    ResolveElapsedHandshakes(device, scrape.now);
    const auto& exclude = config.ExcludePeersOf(reading.interface.netns, reading.interface.name);
    if (exclude.empty()) continue;
    const PeerConfigs* named = config.PeersOf(reading.interface.netns, reading.interface.name);
    std::erase_if(device.peers, [&](const Peer& peer) {
      const PeerConfig* peer_config = nullptr;
      if (named != nullptr) {
        const auto it = named->find(peer.public_key);
        if (it != named->end()) peer_config = &it->second;
      }
      return Config::ExcludesPeer(exclude, peer.public_key,
                                  peer_config != nullptr ? peer_config->name : std::string_view());
    });
  }

  for (const InterfaceReading& reading : scrape.readings) {
    if (reading.result.device) continue;
    if (reading.interface.netns.empty()) {
      spdlog::warn("interface {} down: {}", reading.interface.name, reading.result.error);
    } else {
      spdlog::warn("interface {} of namespace {} down: {}", reading.interface.name,
                   reading.interface.netns, reading.result.error);
    }
  }
  return scrape;
}

std::string Collector::CollectText(ExpositionFormat format) {
  std::string out;
  Collect(
      [&out](std::string_view piece) {
        out.append(piece);
        return true;
      },
      std::size_t{256} * 1024, format);
  return out;
}

bool Collector::Collect(const ExpositionSink& sink, std::size_t chunk_bytes,
                        ExpositionFormat format) {
  const Scrape scrape = Gather();
  std::optional<ProcessStats> process;
  if (process_ != nullptr && scrape.config->metrics.process) process = process_->Read();
  return StreamExposition({.config = *scrape.config,
                           .readings = scrape.readings,
                           .now = scrape.now,
                           .reload = scrape.reload,
                           .build = build_,
                           .scrape_duration_seconds = scrape.duration_seconds,
                           .namespaces = &scrape.namespaces,
                           .format = format,
                           .process = process ? &*process : nullptr},
                          chunk_bytes, sink);
}

ScrapeSummary Collector::Summarize() {
  const Scrape scrape = Gather();
  ScrapeSummary summary =
      SummarizeScrape(*scrape.config, scrape.readings, scrape.namespaces, scrape.now);
  summary.reload = scrape.reload;
  return summary;
}

}  // namespace wgx
