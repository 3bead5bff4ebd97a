// Every WireGuard interface of the host: kernel interfaces through netlink
// sockets opened inside each namespace, userspace ones through their UAPI
// sockets wherever their process's filesystem keeps them. A name reachable
// both as a userspace socket and as a kernel link in one namespace is read
// from its socket, as wg(8) does. The calling thread never leaves the
// exporter's namespace: a short-lived thread enters each other one.
#pragma once

#include <string>
#include <vector>

#include "exporter/wireguard/kernel_source.h"
#include "exporter/wireguard/netns.h"
#include "exporter/wireguard/source.h"
#include "exporter/wireguard/userspace_source.h"

namespace wgx {

class HostSource : public DeviceSource {
 public:
  struct Options {
    bool read_userspace = true;
    bool read_kernel = true;
    // Where userspace implementations put NAME.sock, in order of precedence
    // (a name in two of them is read from the first); one named "amneziawg"
    // holds amneziawg-go's.
    std::vector<std::string> socket_directories = UserspaceSource::DefaultSocketDirectories();
    HostPaths host;
  };

  HostSource() : HostSource(Options{}) {}
  explicit HostSource(Options options);

  // The exporter's own namespace only.
  std::vector<InterfaceRef> List(std::vector<std::string>& errors) override;
  Listing ListNamespaces(const NamespaceSelection& where) override;
  // Userspace sockets of every namespace in one poll loop on this thread,
  // each namespace's kernel interfaces on a thread inside it, all at once.
  std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override;

 private:
  Options options_;
  NamespaceFinder finder_;
  UserspaceSource userspace_;
  KernelSource kernel_;
};

}  // namespace wgx
