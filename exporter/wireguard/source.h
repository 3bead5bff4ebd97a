// Where devices come from. The collector sees only this interface, so it never
// knows (or cares) which transport answered, and tests can hand it fixed devices.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exporter/wireguard/device.h"
#include "exporter/wireguard/netns.h"

namespace wgx {

// An interface is known by its network namespace and its name: many
// containers have a wg0.
struct InterfaceRef {
  InterfaceRef() = default;
  InterfaceRef(std::string name, Implementation implementation, std::string netns = {})
      : name(std::move(name)), implementation(implementation), netns(std::move(netns)) {}

  std::string name;
  Implementation implementation = Implementation::kUserspace;
  std::string netns;  // its network namespace's name; "" for the exporter's own
  // As far as the listing could tell (link kind, socket directory); the
  // device read says for sure.
  Protocol protocol = Protocol::kWireGuard;
  // Where this scrape found it, held open only as long as the reference
  // lives: null for the exporter's own namespace and socket directory.
  std::shared_ptr<const NamespaceHandle> netns_handle;
  std::shared_ptr<const SocketDirectory> socket_directory;

  friend bool operator==(const InterfaceRef& a, const InterfaceRef& b) {
    return a.name == b.name && a.implementation == b.implementation && a.netns == b.netns;
  }
};

// How listing one namespace went.
struct NamespaceStatus {
  std::string name;   // "" for the exporter's own
  bool up = true;     // entered and listed
  std::string error;  // why not, when !up
};

struct Listing {
  std::vector<InterfaceRef> interfaces;     // sorted by (netns, name)
  std::vector<NamespaceStatus> namespaces;  // the exporter's own first
  std::vector<std::string> errors;          // problems, for logs
};

struct ReadRequest {
  InterfaceRef interface;
  std::chrono::milliseconds timeout{2000};
};

struct ReadResult {
  std::optional<Device> device;  // set when the read succeeded
  std::string error;             // why it failed, for logs; never holds secrets
  double duration_seconds = 0;
};

class DeviceSource {
 public:
  virtual ~DeviceSource() = default;

  // Every WireGuard interface visible right now. A name reachable both as a
  // userspace socket and as a kernel link is reported once, as userspace (the
  // same precedence wg(8) uses). Problems are appended to `errors`.
  virtual std::vector<InterfaceRef> List(std::vector<std::string>& errors) = 0;

  // Reads every requested interface, each within its own timeout, concurrently:
  // the call costs about the slowest read, not the sum. results[i] answers
  // requests[i].
  virtual std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) = 0;

  // Every WireGuard interface of every namespace `where` selects. A source
  // that knows no namespaces lists its own (List()) as the exporter's.
  virtual Listing ListNamespaces(const NamespaceSelection& where);
};

}  // namespace wgx
