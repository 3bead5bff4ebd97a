// A synthetic gateway for the benchmarks: one interface shaped like
// production, every peer named in the config.
#pragma once

#include <arpa/inet.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "exporter/metrics/exposition.h"

namespace wgx::bench {

constexpr std::int64_t kNow = 1'700'000'000;

// One gateway interface with `peers` peers, shaped like production: every
// peer named in the config, a handshake with nanoseconds (timestamps need 17
// digits), real-looking counters, an IPv4 endpoint, one IPv4 and one IPv6
// allowed IP.
struct Gateway {
  Config config;
  std::vector<InterfaceReading> readings;
  std::size_t peers = 0;
  ReloadStatus reload;
  BuildInfo build{"0.1.0", "bench"};
  std::chrono::system_clock::time_point now{std::chrono::seconds(kNow)};

  explicit Gateway(std::size_t peer_count) : peers(peer_count) {
    std::mt19937_64 rng(42);
    InterfaceConfig iface;
    iface.name = "wg0";
    iface.labels = {{"site", "fra1"}};
    Device device;
    device.name = "wg0";
    device.implementation = Implementation::kKernel;
    device.listen_port = 51820;
    device.public_key = Key{};
    device.peers.reserve(peer_count);
    for (std::size_t i = 0; i < peer_count; ++i) {
      Peer peer;
      for (auto& byte : peer.public_key.bytes) byte = static_cast<std::uint8_t>(rng());
      peer.last_handshake_seconds = kNow - static_cast<std::int64_t>(rng() % 600);
      peer.last_handshake_nanoseconds = static_cast<std::int64_t>(rng() % 1'000'000'000);
      peer.receive_bytes = rng() % 100'000'000'000;
      peer.transmit_bytes = rng() % 100'000'000'000;
      peer.persistent_keepalive_interval = i % 2 == 0 ? 25 : 0;
      peer.endpoint =
          "203.0.113." + std::to_string(i % 250) + ":" + std::to_string(1024 + i % 60000);
      AllowedIp v4;
      v4.family = AF_INET;
      v4.cidr = 32;
      const std::uint32_t address = htonl(0x0a000000u + static_cast<std::uint32_t>(i));
      std::memcpy(v4.address.data(), &address, sizeof address);
      AllowedIp v6;
      v6.family = AF_INET6;
      v6.cidr = 128;
      v6.address = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
      v6.address[12] = static_cast<std::uint8_t>(i >> 24);
      v6.address[13] = static_cast<std::uint8_t>(i >> 16);
      v6.address[14] = static_cast<std::uint8_t>(i >> 8);
      v6.address[15] = static_cast<std::uint8_t>(i);
      peer.allowed_ips = {v4, v6};
      iface.peers[peer.public_key] = PeerConfig{"peer-" + std::to_string(i), {{"site", "fra1"}}};
      device.peers.push_back(std::move(peer));
    }
    config.interfaces.push_back(std::move(iface));
    InterfaceReading reading;
    reading.interface = {"wg0", Implementation::kKernel};
    reading.result.device = std::move(device);
    reading.result.duration_seconds = 0.0123;
    readings.push_back(std::move(reading));
  }

  // One scrape of this gateway, as the writer takes it.
  ScrapeInputs Inputs() const {
    return {.config = config, .readings = readings, .now = now, .reload = reload, .build = build};
  }
};

}  // namespace wgx::bench
