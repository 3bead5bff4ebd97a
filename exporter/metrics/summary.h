// One scrape told in a few figures per interface and namespace, for people
// (the landing page) rather than for Prometheus.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/config_store.h"
#include "exporter/metrics/exposition.h"
#include "exporter/wireguard/source.h"

namespace wgx {

struct InterfaceSummary {
  std::string netns;  // "" for the exporter's own namespace
  std::string name;
  bool up = false;
  bool listed = false;         // named in the config file
  std::string implementation;  // "kernel" or "userspace"; empty when down
  std::uint16_t listen_port = 0;
  std::size_t peers = 0;
  std::size_t peers_online = 0;
  std::string error;  // why down
};

struct NamespaceSummary {
  std::string name;  // "" for the exporter's own
  bool up = true;
  std::size_t interfaces = 0;  // exported from it in this scrape
  std::string error;
};

struct ScrapeSummary {
  std::vector<InterfaceSummary> interfaces;  // sorted by (netns, name)
  std::vector<NamespaceSummary> namespaces;  // the exporter's own first
  ReloadStatus reload;                       // of the snapshot the scrape used
  std::chrono::system_clock::time_point read_at;
};

// Pure, like the exposition writer, and by the same rules (online
// threshold, interface order).
ScrapeSummary SummarizeScrape(const Config& config, const std::vector<InterfaceReading>& readings,
                              const std::vector<NamespaceStatus>& namespaces,
                              std::chrono::system_clock::time_point now);

}  // namespace wgx
