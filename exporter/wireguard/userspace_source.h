// Reads userspace WireGuard interfaces (wireguard-go, boringtun, amneziawg-go)
// through their UAPI sockets, DIR/NAME.sock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/wireguard/source.h"

namespace wgx {

class UserspaceSource : public DeviceSource {
 public:
  static constexpr const char* kDefaultSocketDirectory = "/var/run/wireguard";
  // The directories looked in when none are given: wireguard-go's and
  // boringtun's, and amneziawg-go's.
  static std::vector<std::string> DefaultSocketDirectories();
  // The protocol of the interfaces whose sockets are in `directory`:
  // AmneziaWG when its last component is "amneziawg".
  static Protocol ProtocolOfDirectory(std::string_view directory);
  // About 2.5 million peers' worth of answer: far beyond any real device, yet
  // a misbehaving socket cannot make one scrape eat the machine's memory.
  static constexpr std::size_t kDefaultMaxAnswerBytes = std::size_t{256} << 20;

  explicit UserspaceSource(std::string socket_directory = kDefaultSocketDirectory,
                           std::size_t max_answer_bytes = kDefaultMaxAnswerBytes);

  // Every NAME.sock in the socket directory that is a socket, sorted by name.
  // A missing directory means no userspace interfaces, not an error.
  std::vector<InterfaceRef> List(std::vector<std::string>& errors) override;

  // Connects to every requested socket without blocking, sends `get=1`, and
  // collects all answers in one poll() loop, each bounded by its own timeout.
  // Never throws; each failure is reported in its own result.
  std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override;

  const std::string& socket_directory() const { return socket_directory_; }

 private:
  std::string socket_directory_;
  std::size_t max_answer_bytes_;
};

}  // namespace wgx
