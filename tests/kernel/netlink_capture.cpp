// Records real kernel netlink answers as test fixtures. Runs inside the kernel
// test VM; the unit tests replay its output through the parsers.
//
//   netlink_capture links          RTM_GETLINK dump (WireGuard links)
//   netlink_capture family         CTRL_CMD_GETFAMILY "wireguard"
//   netlink_capture device IFACE   WG_CMD_GET_DEVICE dump of IFACE
//
// Output on stdout: records of a 4-byte little-endian length and that many
// bytes. The first record is the request that was sent, every further one a
// datagram exactly as recv() returned it, up to and including the one that
// ends the answer.
#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "exporter/wireguard/netlink_parser.h"

namespace {

using wgx::netlink::FeedStatus;

void Complain(const char* text) { (void)std::fputs(text, stderr); }

// A socket closed when it goes out of scope.
class Socket {
 public:
  explicit Socket(int protocol) : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol)) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool WriteRecord(std::span<const std::uint8_t> bytes) {
  const auto length = static_cast<std::uint32_t>(bytes.size());
  const std::uint8_t header[4] = {
      static_cast<std::uint8_t>(length), static_cast<std::uint8_t>(length >> 8),
      static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 24)};
  return std::fwrite(header, 1, sizeof header, stdout) == sizeof header &&
         std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size();
}

bool SendToKernel(int fd, const std::vector<std::uint8_t>& request) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  return ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                  sizeof kernel) == static_cast<ssize_t>(request.size());
}

// Sends `request` and records every answer datagram until `feed` (a copy of
// it: the parser wipes what it is given) says the answer is complete.
int Capture(int protocol, const std::vector<std::uint8_t>& request,
            const std::function<FeedStatus(std::span<std::uint8_t>)>& feed) {
  if (request.empty()) {
    Complain("netlink_capture: cannot build the request\n");
    return 2;
  }
  const Socket socket(protocol);
  if (socket.fd() < 0) {
    std::perror("netlink_capture: socket");
    return 1;
  }
  const timeval timeout{5, 0};
  if (::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      !SendToKernel(socket.fd(), request) || !WriteRecord(request)) {
    std::perror("netlink_capture: sending the request");
    return 1;
  }
  // The receive buffer size KernelSource uses, so the kernel splits its
  // answer the same way.
  std::vector<std::uint8_t> buffer(std::size_t{32} * 1024);
  for (;;) {
    const ssize_t length = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (length < 0) {
      std::perror("netlink_capture: recv");
      return 1;
    }
    const std::span<std::uint8_t> received(buffer.data(), static_cast<std::size_t>(length));
    if (!WriteRecord(received)) {
      std::perror("netlink_capture: write");
      return 1;
    }
    std::vector<std::uint8_t> copy(received.begin(), received.end());
    const FeedStatus status = feed(copy);
    if (status != FeedStatus::kNeedMore) return status == FeedStatus::kDone ? 0 : 1;
  }
}

// The family id, resolved without recording anything.
std::uint16_t ResolveFamily() {
  wgx::netlink::FamilyReplyParser parser(WG_GENL_NAME, 1);
  const Socket socket(NETLINK_GENERIC);
  if (socket.fd() < 0 ||
      !SendToKernel(socket.fd(), wgx::netlink::BuildGetFamilyRequest(WG_GENL_NAME, 1))) {
    return 0;
  }
  std::vector<std::uint8_t> buffer(8192);
  for (;;) {
    const ssize_t length = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
    if (length < 0 ||
        parser.Feed({buffer.data(), static_cast<std::size_t>(length)}) != FeedStatus::kNeedMore) {
      break;
    }
  }
  return parser.status() == FeedStatus::kDone ? parser.family_id() : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  constexpr std::uint32_t kSequence = 0x5eed;
  if (args.size() == 1 && args[0] == "links") {
    wgx::netlink::LinkDumpParser parser(kSequence);
    return Capture(NETLINK_ROUTE, wgx::netlink::BuildGetLinkDumpRequest(kSequence),
                   [&](std::span<std::uint8_t> bytes) { return parser.Feed(bytes); });
  }
  if (args.size() == 1 && args[0] == "family") {
    wgx::netlink::FamilyReplyParser parser(WG_GENL_NAME, kSequence);
    return Capture(NETLINK_GENERIC, wgx::netlink::BuildGetFamilyRequest(WG_GENL_NAME, kSequence),
                   [&](std::span<std::uint8_t> bytes) { return parser.Feed(bytes); });
  }
  if (args.size() == 2 && args[0] == "device") {
    const std::uint16_t family = ResolveFamily();
    if (family == 0) {
      Complain("netlink_capture: no wireguard generic netlink family\n");
      return 1;
    }
    wgx::netlink::DeviceDumpParser parser(args[1], family, kSequence);
    return Capture(NETLINK_GENERIC, wgx::netlink::BuildGetDeviceRequest(args[1], family, kSequence),
                   [&](std::span<std::uint8_t> bytes) { return parser.Feed(bytes); });
  }
  Complain("usage: netlink_capture links | family | device IFACE\n");
  return 2;
}
