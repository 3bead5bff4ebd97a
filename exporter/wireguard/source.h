// Where devices come from. The collector sees only this interface, so it never
// knows (or cares) which transport answered, and tests can hand it fixed devices.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exporter/wireguard/device.h"

namespace wgx {

struct InterfaceRef {
  std::string name;
  Implementation implementation = Implementation::kUserspace;

  friend bool operator==(const InterfaceRef&, const InterfaceRef&) = default;
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
};

}  // namespace wgx
