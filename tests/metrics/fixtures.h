// Builders shared by the metrics tests: keys, peers, devices and readings
// with fixed values, so every test states only what it is about.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/config_store.h"
#include "exporter/metrics/exposition.h"
#include "exporter/wireguard/device.h"

namespace wgx::testing {

// A key whose bytes are seed, seed+1, ..., seed+31.
inline Key MakeKey(std::uint8_t seed) {
  Key key;
  for (std::size_t i = 0; i < key.bytes.size(); ++i) {
    key.bytes[i] = static_cast<std::uint8_t>(seed + i);
  }
  return key;
}

inline AllowedIp MakeAllowedIp(const char* address, std::uint8_t cidr) {
  AllowedIp ip;
  ip.cidr = cidr;
  if (inet_pton(AF_INET, address, ip.address.data()) == 1) {
    ip.family = AF_INET;
  } else {
    ip.family = AF_INET6;
    inet_pton(AF_INET6, address, ip.address.data());
  }
  return ip;
}

inline Peer MakePeer(std::uint8_t seed) {
  Peer peer;
  peer.public_key = MakeKey(seed);
  return peer;
}

// `count` peers (at most 256) with distinct keys.
inline std::vector<Peer> MakePeers(int count) {
  std::vector<Peer> peers;
  peers.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) peers.push_back(MakePeer(static_cast<std::uint8_t>(i)));
  return peers;
}

inline Device MakeDevice(std::string name, Implementation implementation, std::vector<Peer> peers) {
  Device device;
  device.name = std::move(name);
  device.implementation = implementation;
  device.public_key = MakeKey(200);
  device.listen_port = 51820;
  device.peers = std::move(peers);
  return device;
}

inline InterfaceReading ReadingOf(Device device, double duration_seconds = 0.001) {
  InterfaceReading reading;
  reading.interface = {device.name, device.implementation};
  reading.result.duration_seconds = duration_seconds;
  reading.result.device = std::move(device);
  return reading;
}

inline InterfaceReading FailedReading(std::string name, std::string error,
                                      double duration_seconds = 2) {
  InterfaceReading reading;
  reading.interface = {std::move(name), Implementation::kUserspace};
  reading.result.error = std::move(error);
  reading.result.duration_seconds = duration_seconds;
  return reading;
}

inline InterfaceReading MissingReading(std::string name) {
  InterfaceReading reading = FailedReading(std::move(name), "not found", 0);
  reading.attempted = false;
  return reading;
}

inline std::chrono::system_clock::time_point UnixTime(std::int64_t seconds,
                                                      std::int64_t nanoseconds = 0) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanoseconds)));
}

// Owns what ScrapeInputs borrows: one scrape built by hand.
struct ScrapeData {
  Config config;
  std::vector<InterfaceReading> readings;
  std::chrono::system_clock::time_point now;
  ReloadStatus reload;
  BuildInfo build;
  double scrape_duration_seconds = 0;
  std::vector<NamespaceStatus> namespaces{NamespaceStatus{}};  // the own, up
  std::optional<ProcessStats> process;                         // none: no process_*

  ScrapeInputs Inputs(ExpositionFormat format = ExpositionFormat::kText) const {
    return {.config = config,
            .readings = readings,
            .now = now,
            .reload = reload,
            .build = build,
            .scrape_duration_seconds = scrape_duration_seconds,
            .namespaces = &namespaces,
            .format = format,
            .process = process ? &*process : nullptr};
  }

  std::string Render(ExpositionFormat format = ExpositionFormat::kText) const {
    std::string out;
    RenderExposition(Inputs(format), out);
    return out;
  }
};

// The exposition of `readings` at `now`, the exporter's own state at fixed
// values.
inline std::string Render(const Config& config, const std::vector<InterfaceReading>& readings,
                          std::chrono::system_clock::time_point now) {
  ScrapeData scrape;
  scrape.config = config;
  scrape.readings = readings;
  scrape.now = now;
  scrape.reload.last_success_timestamp_seconds = 1699990000;
  scrape.reload.reloads_total = 1;
  scrape.build = {"0.1.0", "abc123"};
  scrape.scrape_duration_seconds = 0.01;
  return scrape.Render();
}

// The lines of `text` that start with `prefix`.
inline std::vector<std::string> LinesStartingWith(std::string_view text, std::string_view prefix) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.substr(0, prefix.size()) == prefix) lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

inline bool HasLine(std::string_view text, std::string_view line) {
  for (const std::string& candidate : LinesStartingWith(text, line)) {
    if (candidate == line) return true;
  }
  return false;
}

// `interface="IFACE",public_key="<key of seed>",name="NAME"` as the renderer writes it.
inline std::string PeerLabels(std::string_view interface, std::uint8_t seed,
                              std::string_view name = "") {
  return "interface=\"" + std::string(interface) + "\",public_key=\"" + MakeKey(seed).ToBase64() +
         "\",name=\"" + std::string(name) + "\"";
}

}  // namespace wgx::testing
