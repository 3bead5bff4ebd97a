// Kernel WireGuard through netlink: links are found with an RTM_GETLINK dump,
// devices read with WG_CMD_GET_DEVICE dumps over generic netlink.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "exporter/wireguard/netlink_parser.h"
#include "exporter/wireguard/source.h"

namespace wgx {

class KernelSource : public DeviceSource {
 public:
  struct Options {
    // Deadline of the link dump behind List().
    std::chrono::milliseconds list_timeout{2000};
  };

  // The links of the current network namespace: the WireGuard ones and all
  // (a userspace implementation's tun device is there too). `error` says why
  // the dump failed.
  struct Links {
    std::vector<netlink::KernelLink> wireguard;  // kinds "wireguard" and "amneziawg"
    std::vector<std::string> all;
    std::string error;
  };

  KernelSource() = default;
  explicit KernelSource(Options options) : options_(options) {}

  // Every link of kind "wireguard" or "amneziawg" in the current network
  // namespace, as kernel interfaces. A kernel without either has none.
  std::vector<InterfaceRef> List(std::vector<std::string>& errors) override;
  Links ListLinks() const;

  // One non-blocking generic netlink socket per interface, all requests sent
  // at once and answered in one poll() loop, each until its own deadline.
  // Never throws; every failure is a result's error.
  std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override;

 private:
  Options options_;
};

}  // namespace wgx
