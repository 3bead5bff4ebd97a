// The validated, immutable configuration. Built once per (re)load by the
// loader; never modified afterwards, so scrapes may share it freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "exporter/wireguard/key.h"

namespace wgx {

// Label pairs, sorted by name, names unique and valid Prometheus label names.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct PeerConfig {
  std::string name;  // configured name, or from a wg-quick comment; may be empty
  Labels labels;
};

struct InterfaceConfig {
  std::string name;
  std::chrono::milliseconds online_threshold{180'000};
  std::chrono::milliseconds read_timeout{2'000};
  Labels labels;
  std::unordered_map<Key, PeerConfig, KeyHash> peers;
};

// Series families an operator may switch off on very large gateways.
struct MetricToggles {
  bool peer_info = true;             // wireguard_peer_info
  bool peer_bytes = true;            // receive/transmit byte counters
  bool peer_handshake_timestamp = true;
  bool peer_handshake_age = true;
  bool peer_keepalive = true;
  bool peer_online = true;
};

// Identity of a file the snapshot was built from, to notice edits cheaply.
struct FileStamp {
  std::string path;
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

struct Config {
  std::chrono::milliseconds default_online_threshold{180'000};
  std::chrono::milliseconds default_read_timeout{2'000};
  bool discover = true;
  std::vector<std::string> exclude;  // glob patterns (fnmatch)
  // Listed interfaces, in file order. Names unique.
  std::vector<InterfaceConfig> interfaces;
  MetricToggles metrics;
  // Every file read to build this config (the YAML and any wg-quick files),
  // so a scrape can tell, with stat() alone, whether a reload is due.
  std::vector<FileStamp> sources;

  // The interface's own settings, or nullptr when it is not listed.
  const InterfaceConfig* Find(const std::string& name) const;
  // Listed and not excluded, or discovered (discover=true) and not excluded.
  bool Selects(const std::string& name) const;
  // Settings for any selected interface: its own, or the defaults applied.
  // Returned by value for discovered interfaces; use Find() on the hot path.
  std::chrono::milliseconds OnlineThreshold(const std::string& name) const;
  std::chrono::milliseconds ReadTimeout(const std::string& name) const;
};

}  // namespace wgx
