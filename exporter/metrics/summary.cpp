#include "exporter/metrics/summary.h"

#include <algorithm>

#include "exporter/metrics/handshake.h"

namespace wgx {

ScrapeSummary SummarizeScrape(const Config& config, const std::vector<InterfaceReading>& readings,
                              const std::vector<NamespaceStatus>& namespaces,
                              std::chrono::system_clock::time_point now) {
  const std::int64_t now_ns = ToNanos(now);
  ScrapeSummary summary;
  summary.read_at = now;
  summary.interfaces.reserve(readings.size());
  for (const InterfaceReading& reading : readings) {
    const InterfaceRef& ref = reading.interface;
    const InterfaceConfig* listed = config.Find(ref.netns, ref.name);
    const auto threshold = listed ? listed->online_threshold : config.default_online_threshold;
    const std::int64_t threshold_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(threshold).count();
    InterfaceSummary item;
    item.netns = ref.netns;
    item.name = ref.name;
    item.listed = listed != nullptr;
    if (const auto& device = reading.result.device) {
      item.up = true;
      item.implementation = ImplementationName(device->implementation);
      item.listen_port = device->listen_port;
      item.peers = device->peers.size();
      item.peers_online = static_cast<std::size_t>(std::count_if(
          device->peers.begin(), device->peers.end(),
          [&](const Peer& peer) { return PeerIsOnline(peer, now_ns, threshold_ns); }));
    } else {
      item.error = reading.result.error;
    }
    summary.interfaces.push_back(std::move(item));
  }
  std::sort(summary.interfaces.begin(), summary.interfaces.end(),
            [](const InterfaceSummary& a, const InterfaceSummary& b) {
              return a.netns != b.netns ? a.netns < b.netns : a.name < b.name;
            });
  for (const NamespaceStatus& ns : namespaces) {
    NamespaceSummary item{ns.name, ns.up, 0, ns.error};
    for (const InterfaceReading& reading : readings) {
      if (reading.attempted && reading.interface.netns == ns.name) ++item.interfaces;
    }
    summary.namespaces.push_back(std::move(item));
  }
  return summary;
}

}  // namespace wgx
