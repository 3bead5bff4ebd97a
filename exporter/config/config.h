// The validated, immutable configuration. Built once per (re)load by the
// loader; never modified afterwards, so scrapes may share it freely.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "exporter/wireguard/key.h"
#include "exporter/wireguard/netns.h"

namespace wgx {

// Label names the exporter writes itself. Configured labels may not use them,
// and the renderer never writes a configured label under one of them.
inline constexpr std::array<std::string_view, 11> kExporterLabelNames{
    "interface",   "netns",          "public_key", "name",    "endpoint", "allowed_ips",
    "listen_port", "implementation", "protocol",   "version", "revision"};
// Label names Prometheus itself sets on a scrape or in histograms and
// summaries: configured labels may not use them either.
inline constexpr std::array<std::string_view, 4> kPrometheusLabelNames{"job", "instance", "le",
                                                                       "quantile"};

// Label pairs, sorted by name, names unique and valid Prometheus label names.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct PeerConfig {
  std::string name;  // configured name, or from a wg-quick comment; may be empty
  // The complete configured label set of this peer's series: the interface's
  // labels with the peer's own merged over them (the peer wins on a name), so
  // a renderer uses this list alone for a configured peer and the interface's
  // labels for any other peer.
  Labels labels;
};

struct InterfaceConfig {
  std::string name;
  std::string netns;  // the namespace it is in; "" for the exporter's own
  std::chrono::milliseconds online_threshold{180'000};
  std::chrono::milliseconds read_timeout{2'000};
  Labels labels;
  // Peers listed in the YAML and peers named only by the interface's wg-quick
  // or .netdev files (YAML names win over wg-quick names).
  std::unordered_map<Key, PeerConfig, KeyHash> peers;
  // fnmatch globs over peer names and base64 public keys: matching peers get
  // no series. defaults.exclude_peers followed by the interface's own.
  std::vector<std::string> exclude_peers;
};

using PeerConfigs = std::unordered_map<Key, PeerConfig, KeyHash>;

// Series families an operator may switch off on very large gateways.
struct MetricToggles {
  bool peer_info = true;   // wireguard_peer_info
  bool peer_bytes = true;  // receive/transmit byte counters
  bool peer_handshake_timestamp = true;
  bool peer_handshake_age = true;
  bool peer_keepalive = true;
  bool peer_online = true;
  bool process = true;  // process_* of the exporter itself
};

// One switch of MetricToggles and the name metrics.disable gives it in the
// YAML. kMetricToggles lists every switch once, so code that needs all of them
// walks the table instead of naming each field.
struct MetricToggle {
  std::string_view name;
  bool MetricToggles::*field;
};

inline constexpr std::array<MetricToggle, 7> kMetricToggles{{
    {"peer_info", &MetricToggles::peer_info},
    {"peer_bytes", &MetricToggles::peer_bytes},
    {"peer_handshake_timestamp", &MetricToggles::peer_handshake_timestamp},
    {"peer_handshake_age", &MetricToggles::peer_handshake_age},
    {"peer_keepalive", &MetricToggles::peer_keepalive},
    {"peer_online", &MetricToggles::peer_online},
    {"process", &MetricToggles::process},
}};

// Identity of a file the snapshot was built from, to notice edits cheaply.
struct FileStamp {
  std::string path;
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  // Type and permission bits, and ctime (moved by chmod/chown): a file made
  // unreadable, readable again or replaced by a directory is noticed although
  // its content and mtime did not change, even within one clock tick.
  std::uint32_t mode = 0;
  std::int64_t ctime_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

struct Config {
  std::chrono::milliseconds default_online_threshold{180'000};
  std::chrono::milliseconds default_read_timeout{2'000};
  bool discover = true;
  std::vector<std::string> exclude;  // glob patterns (fnmatch)
  // defaults.exclude_peers, for interfaces that are not listed.
  std::vector<std::string> default_exclude_peers;
  // Namespaces read beside the exporter's own (none by default).
  NamespaceSelection namespaces;
  // Listed interfaces, in file order. (netns, name) unique.
  std::vector<InterfaceConfig> interfaces;
  MetricToggles metrics;
  // Peer names from wg_quick.directory for interfaces that are NOT listed
  // (read from DIR/NAME.conf at load time, for every NAME.conf whose NAME is
  // a valid interface name, not excluded, and only when discover is true).
  // Their labels are only those of friendly_json comments: an unlisted
  // interface has no configured labels.
  // Listed interfaces keep their wg-quick names in InterfaceConfig::peers.
  std::unordered_map<std::string, PeerConfigs> discovered_peers;
  // Every file read to build this config, so a scrape can tell, with stat()
  // alone, whether a reload is due: the YAML first (when loaded from a file),
  // then each wg-quick file read and the wg_quick directory (a new NAME.conf
  // changes the directory's mtime).
  std::vector<FileStamp> sources;

  // The interface's own settings, or nullptr when it is not listed. Without
  // `netns`: in the exporter's own namespace.
  const InterfaceConfig* Find(std::string_view netns, std::string_view name) const;
  const InterfaceConfig* Find(std::string_view name) const { return Find("", name); }
  // Listed and not excluded, or discovered (discover=true) and not excluded.
  bool Selects(std::string_view netns, const std::string& name) const;
  bool Selects(const std::string& name) const { return Selects("", name); }
  // Settings for any selected interface: its own, or the defaults applied.
  // Returned by value for discovered interfaces; use Find() on the hot path.
  std::chrono::milliseconds OnlineThreshold(const std::string& name) const;
  std::chrono::milliseconds ReadTimeout(const std::string& name) const;
  // Configured peers of an interface (listed or discovered through the
  // wg_quick directory), or nullptr when there are none. Look this up once
  // per interface, then find each peer in the map.
  // wg_quick.directory names only interfaces of the exporter's own namespace.
  const PeerConfigs* PeersOf(std::string_view netns, const std::string& interface_name) const;
  const PeerConfigs* PeersOf(const std::string& interface_name) const {
    return PeersOf("", interface_name);
  }
  // The configured peer, or nullptr.
  const PeerConfig* FindPeer(const std::string& interface_name, const Key& key) const;
  // The exclude_peers globs in force for an interface (listed or not).
  const std::vector<std::string>& ExcludePeersOf(std::string_view netns,
                                                 std::string_view interface_name) const;
  // Whether `patterns` (from ExcludePeersOf) drop the peer with this key and
  // (possibly empty) name.
  static bool ExcludesPeer(const std::vector<std::string>& patterns, const Key& key,
                           std::string_view name);
};

}  // namespace wgx
