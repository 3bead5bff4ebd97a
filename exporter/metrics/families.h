// The catalogue of metric families the exporter writes: name, type and help
// of each, as data, so that every exposition format is written from the same
// list.
#pragma once

#include <string_view>

namespace wgx {

// kInfo: a gauge that is always 1 and whose labels carry the information;
// its name ends in _info. The classic text format calls it a gauge (as the
// Python client writes its Info metrics), OpenMetrics an info.
// kUnknown: the classic format's untyped.
enum class FamilyType { kGauge, kCounter, kInfo, kUnknown };

struct Family {
  std::string_view name;  // as its samples are named: counters end in _total, infos in _info
  FamilyType type;
  std::string_view help;
  // The unit the name ends in ("seconds", "bytes"), for OpenMetrics' UNIT
  // line; empty when the name carries none.
  std::string_view unit = {};
};

// Families, in the order they are written.
//
// Label order, the same rule everywhere: the exporter's base labels first
// (peer: interface, netns, public_key, name; interface: interface, netns;
// netns only outside the exporter's own namespace), then the
// configured labels sorted by name (a peer's own labels merged over its
// interface's, the peer winning), then the labels particular to the family
// (peer_info: endpoint, allowed_ips; interface_info: public_key, listen_port,
// implementation, protocol).
namespace families {

inline constexpr Family kPeerHandshakeTimestamp{
    "wireguard_peer_last_handshake_timestamp_seconds", FamilyType::kGauge,
    "Unix time of the last handshake completed with the peer, 0 when none has completed.",
    "seconds"};
inline constexpr Family kPeerHandshakeAge{
    "wireguard_peer_last_handshake_age_seconds", FamilyType::kGauge,
    "Seconds since the last handshake completed with the peer, +Inf when none has completed.",
    "seconds"};
inline constexpr Family kPeerOnline{
    "wireguard_peer_online", FamilyType::kGauge,
    "Whether the peer's last handshake is at most the interface's online "
    "threshold old (1) or not (0)."};
inline constexpr Family kPeerReceiveBytes{"wireguard_peer_receive_bytes_total",
                                          FamilyType::kCounter, "Bytes received from the peer.",
                                          "bytes"};
inline constexpr Family kPeerTransmitBytes{"wireguard_peer_transmit_bytes_total",
                                           FamilyType::kCounter, "Bytes sent to the peer.",
                                           "bytes"};
inline constexpr Family kPeerKeepalive{
    "wireguard_peer_persistent_keepalive_interval_seconds", FamilyType::kGauge,
    "Persistent keepalive interval of the peer, 0 when it is off.", "seconds"};
inline constexpr Family kPeerInfo{
    "wireguard_peer_info", FamilyType::kInfo,
    "Peer details that change rarely: its current endpoint and its allowed "
    "IPs in device order. Always 1."};
inline constexpr Family kInterfaceUp{
    "wireguard_interface_up", FamilyType::kGauge,
    "Whether the interface was read in this scrape (1) or not (0); the "
    "reason is logged."};
inline constexpr Family kInterfaceInfo{
    "wireguard_interface_info", FamilyType::kInfo,
    "Interface details: public key, listen port, implementation "
    "(kernel or userspace) and protocol (wireguard or amneziawg). Always 1."};
inline constexpr Family kInterfacePeers{"wireguard_interface_peers", FamilyType::kGauge,
                                        "Number of peers configured on the interface."};
inline constexpr Family kInterfacePeersOnline{"wireguard_interface_peers_online",
                                              FamilyType::kGauge,
                                              "Number of the interface's peers that are online."};
inline constexpr Family kInterfaceOnlineThreshold{
    "wireguard_interface_online_threshold_seconds", FamilyType::kGauge,
    "Maximum age of a peer's last handshake for the peer to count as online.", "seconds"};
inline constexpr Family kInterfaceReadDuration{
    "wireguard_interface_read_duration_seconds", FamilyType::kGauge,
    "Time taken to read the interface in this scrape.", "seconds"};
inline constexpr Family kNetnsUp{
    "wireguard_netns_up", FamilyType::kGauge,
    "Whether the network namespace could be entered and listed in this scrape (1) or not (0); "
    "the reason is logged. netns=\"\" is the exporter's own."};
inline constexpr Family kNetnsInterfaces{
    "wireguard_netns_interfaces", FamilyType::kGauge,
    "Number of WireGuard interfaces exported from the network namespace in this scrape."};
inline constexpr Family kBuildInfo{
    "wireguard_exporter_build_info", FamilyType::kInfo,
    "A metric with a constant '1' value labeled by version and revision "
    "from which wireguard_exporter was built."};
inline constexpr Family kReloadSuccessful{
    "wireguard_exporter_config_last_reload_successful", FamilyType::kGauge,
    "Whether the last configuration reload attempt was successful."};
inline constexpr Family kReloadSuccessTimestamp{
    "wireguard_exporter_config_last_reload_success_timestamp_seconds", FamilyType::kGauge,
    "Unix time of the last successful configuration load.", "seconds"};
inline constexpr Family kReloads{"wireguard_exporter_config_reloads_total", FamilyType::kCounter,
                                 "Configuration reload attempts, successful or not."};
inline constexpr Family kReloadFailures{"wireguard_exporter_config_reload_failures_total",
                                        FamilyType::kCounter,
                                        "Configuration reload attempts that failed."};
inline constexpr Family kScrapeDuration{
    "wireguard_exporter_scrape_duration_seconds", FamilyType::kGauge,
    "Time taken to list and read the WireGuard interfaces in this scrape.", "seconds"};

// The exporter's own process, as the Go and Python client libraries name and
// describe it (client_golang prometheus/process_collector.go), read from
// /proc/self at scrape time.
inline constexpr Family kProcessCpu{"process_cpu_seconds_total", FamilyType::kCounter,
                                    "Total user and system CPU time spent in seconds.", "seconds"};
inline constexpr Family kProcessMaxFds{"process_max_fds", FamilyType::kGauge,
                                       "Maximum number of open file descriptors."};
inline constexpr Family kProcessOpenFds{"process_open_fds", FamilyType::kGauge,
                                        "Number of open file descriptors."};
inline constexpr Family kProcessResidentMemory{"process_resident_memory_bytes", FamilyType::kGauge,
                                               "Resident memory size in bytes.", "bytes"};
inline constexpr Family kProcessStartTime{"process_start_time_seconds", FamilyType::kGauge,
                                          "Start time of the process since unix epoch in seconds.",
                                          "seconds"};
inline constexpr Family kProcessVirtualMemory{"process_virtual_memory_bytes", FamilyType::kGauge,
                                              "Virtual memory size in bytes.", "bytes"};
inline constexpr Family kProcessVirtualMemoryMax{
    "process_virtual_memory_max_bytes", FamilyType::kGauge,
    "Maximum amount of virtual memory available in bytes.", "bytes"};

}  // namespace families
}  // namespace wgx
