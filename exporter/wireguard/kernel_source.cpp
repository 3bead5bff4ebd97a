#include "exporter/wireguard/kernel_source.h"

#include <linux/netlink.h>
#include <linux/wireguard.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <ctime>
#include <exception>
#include <optional>
#include <utility>

#include "exporter/wireguard/amneziawg.h"
#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/netlink_parser.h"
#include "exporter/wireguard/poll_timeout.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

using Clock = std::chrono::steady_clock;
using netlink::FeedStatus;
using netlink::ParseError;

// Large enough for the biggest dump message the kernel builds (it sizes them
// by the reader's buffer, up to 32 KiB), so large devices need few reads.
constexpr std::size_t kReceiveBufferSize = std::size_t{32} * 1024;

// A dump interrupted by a concurrent change is asked again, as wg(8) does,
// but not forever.
constexpr int kMaxDumpAttempts = 5;

constexpr char kNoWireGuard[] = "kernel has no WireGuard support";
constexpr char kNoAmneziaWg[] = "kernel has no AmneziaWG support (module amneziawg not loaded)";
constexpr char kNeedsNetAdmin[] = "permission denied: reading kernel WireGuard needs CAP_NET_ADMIN";

std::uint32_t NextSequence() {
  static std::atomic<std::uint32_t> counter{static_cast<std::uint32_t>(std::time(nullptr))};
  std::uint32_t sequence = counter.fetch_add(1, std::memory_order_relaxed);
  return sequence != 0 ? sequence : counter.fetch_add(1, std::memory_order_relaxed);
}

struct SocketOrError {
  UniqueFd fd;
  std::string error;
};

// Opens a non-blocking netlink socket and sends `request` to the kernel.
SocketOrError OpenAndSend(int protocol, const std::vector<std::uint8_t>& request) {
  SocketOrError out;
  out.fd = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol));
  if (!out.fd.valid()) {
    const int error_number = errno;
    out.error = error_number == EPERM || error_number == EACCES
                    ? kNeedsNetAdmin
                    : "opening a netlink socket: " + ErrnoText(error_number);
    return out;
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = ::sendto(out.fd.get(), request.data(), request.size(), 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    const int error_number = errno;
    out.error = error_number == EPERM ? kNeedsNetAdmin
                                      : "sending a netlink request: " + ErrnoText(error_number);
    out.fd.reset();
  } else if (static_cast<std::size_t>(sent) != request.size()) {
    out.error = "sending a netlink request: short write";
    out.fd.reset();
  }
  return out;
}

enum class ReceiveStatus { kData, kWouldBlock, kError };

struct Received {
  ReceiveStatus status = ReceiveStatus::kWouldBlock;
  std::size_t length = 0;
  std::string error;
};

// One datagram from the kernel. Datagrams from other sockets are dropped.
Received ReceiveFromKernel(int fd, std::vector<std::uint8_t>& buffer) {
  for (;;) {
    sockaddr_nl sender{};
    socklen_t sender_length = sizeof sender;
    const ssize_t length = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_TRUNC,
                                      reinterpret_cast<sockaddr*>(&sender), &sender_length);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {ReceiveStatus::kWouldBlock, 0, {}};
      const int error_number = errno;
      return {ReceiveStatus::kError, 0,
              error_number == ENOBUFS ? "netlink receive buffer overrun"
                                      : "receiving from netlink: " + ErrnoText(error_number)};
    }
    if (static_cast<std::size_t>(length) > buffer.size()) {
      SecureWipe(buffer.data(), buffer.size());
      return {ReceiveStatus::kError, 0, "netlink message larger than the receive buffer"};
    }
    if (sender.nl_pid != 0) {
      SecureWipe(buffer.data(), static_cast<std::size_t>(length));
      continue;
    }
    return {ReceiveStatus::kData, static_cast<std::size_t>(length), {}};
  }
}

// Sends one request and feeds the answer to `parser` until it is done, fails
// or the deadline passes. Returns the error text, empty on success.
template <typename Parser>
std::string Exchange(int protocol, const std::vector<std::uint8_t>& request, Parser& parser,
                     Clock::time_point deadline) {
  SocketOrError socket = OpenAndSend(protocol, request);
  if (!socket.error.empty()) return socket.error;
  std::vector<std::uint8_t> buffer(kReceiveBufferSize);
  for (;;) {
    const Received received = ReceiveFromKernel(socket.fd.get(), buffer);
    if (received.status == ReceiveStatus::kError) return received.error;
    if (received.status == ReceiveStatus::kData) {
      const FeedStatus status = parser.Feed(std::span(buffer.data(), received.length));
      if (status == FeedStatus::kDone) return {};
      if (status == FeedStatus::kError) {
        return parser.error().message.empty() ? "netlink error" : parser.error().message;
      }
      continue;
    }
    const auto now = Clock::now();
    if (now >= deadline) return "no netlink answer before the deadline";
    pollfd watch{socket.fd.get(), POLLIN, 0};
    const int ready = ::poll(&watch, 1, PollTimeoutUntil(deadline, now));
    if (ready < 0 && errno != EINTR) return "waiting for netlink: " + ErrnoText(errno);
  }
}

std::string DescribeDeviceError(const ParseError& error) {
  switch (error.error_number) {
    case EPERM:
    case EACCES:
      return kNeedsNetAdmin;
    case ENODEV:
      return "no such interface";
    case EOPNOTSUPP:
      return "not a kernel WireGuard interface";
    default:
      return "netlink: " + error.message;
  }
}

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// One interface being read in the shared poll loop.
struct PendingRead {
  std::size_t index = 0;
  UniqueFd fd;
  std::optional<netlink::DeviceDumpParser> parser;
  Clock::time_point deadline;
  int attempts = 0;
  bool finished = false;
};

class ConcurrentDeviceReader {
 public:
  // `family_ids[i]` is the family requests[i] is read through; 0 leaves
  // that result as it is (already failed).
  ConcurrentDeviceReader(const std::vector<ReadRequest>& requests, std::vector<ReadResult>& results,
                         std::vector<std::uint16_t> family_ids, Clock::time_point start)
      : requests_(requests), results_(results), family_ids_(std::move(family_ids)), start_(start) {}

  void Run() {
    pending_.reserve(requests_.size());
    for (std::size_t i = 0; i < requests_.size(); ++i) {
      if (family_ids_[i] == 0) continue;
      PendingRead& read = pending_.emplace_back();
      read.index = i;
      read.deadline = start_ + requests_[i].timeout;
      Start(read);
    }
    std::vector<pollfd> watches;
    std::vector<PendingRead*> watched;
    for (;;) {
      const auto now = Clock::now();
      watches.clear();
      watched.clear();
      Clock::time_point earliest = Clock::time_point::max();
      for (PendingRead& read : pending_) {
        if (read.finished) continue;
        if (now >= read.deadline) {
          EndRead(read, "no answer within " +
                            std::to_string(requests_[read.index].timeout.count()) + " ms");
          continue;
        }
        earliest = std::min(earliest, read.deadline);
        watches.push_back({read.fd.get(), POLLIN, 0});
        watched.push_back(&read);
      }
      if (watches.empty()) return;
      const int ready = ::poll(watches.data(), watches.size(), PollTimeoutUntil(earliest, now));
      if (ready < 0) {
        if (errno == EINTR) continue;
        const std::string error = "waiting for netlink: " + ErrnoText(errno);
        for (PendingRead* read : watched) EndRead(*read, error);
        return;
      }
      for (std::size_t i = 0; i < watches.size(); ++i) {
        if (watches[i].revents != 0) Drain(*watched[i]);
      }
    }
  }

 private:
  void Start(PendingRead& read) {
    ++read.attempts;
    const InterfaceRef& interface = requests_[read.index].interface;
    const std::string& name = interface.name;
    const std::uint16_t family_id = family_ids_[read.index];
    const std::uint32_t sequence = NextSequence();
    const auto request =
        netlink::BuildGetDeviceRequest(name, family_id, sequence, interface.protocol);
    if (request.empty()) {
      EndRead(read, "invalid interface name");
      return;
    }
    SocketOrError socket = OpenAndSend(NETLINK_GENERIC, request);
    if (!socket.error.empty()) {
      EndRead(read, socket.error);
      return;
    }
    read.fd = std::move(socket.fd);
    read.parser.emplace(name, family_id, sequence, interface.protocol);
  }

  // Reads everything the socket has now.
  void Drain(PendingRead& read) {
    while (!read.finished) {
      const Received received = ReceiveFromKernel(read.fd.get(), buffer_);
      if (received.status == ReceiveStatus::kWouldBlock) return;
      if (received.status == ReceiveStatus::kError) {
        EndRead(read, received.error);
        return;
      }
      const FeedStatus status = read.parser->Feed(std::span(buffer_.data(), received.length));
      if (status == FeedStatus::kDone) {
        results_[read.index].device = read.parser->TakeDevice();
        EndRead(read, {});
      } else if (status == FeedStatus::kError) {
        const ParseError& error = read.parser->error();
        if (error.error_number == EINTR && read.attempts < kMaxDumpAttempts &&
            Clock::now() < read.deadline) {
          // A fresh socket, so no message of the abandoned dump can arrive.
          read.fd.reset();
          Start(read);
          return;
        }
        EndRead(read, DescribeDeviceError(error));
      }
    }
  }

  // Ends a read for good: its socket closed, its result the device read or,
  // when `error` is not empty, that error.
  void EndRead(PendingRead& read, std::string error) {
    read.finished = true;
    read.fd.reset();
    read.parser.reset();
    ReadResult& result = results_[read.index];
    result.error = std::move(error);
    if (!result.error.empty()) result.device.reset();
    result.duration_seconds = SecondsBetween(start_, Clock::now());
  }

  const std::vector<ReadRequest>& requests_;
  std::vector<ReadResult>& results_;
  std::vector<std::uint16_t> family_ids_;
  Clock::time_point start_;
  std::vector<PendingRead> pending_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(kReceiveBufferSize);
};

}  // namespace

KernelSource::Links KernelSource::ListLinks() const {
  Links links;
  try {
    const std::uint32_t sequence = NextSequence();
    netlink::LinkDumpParser parser(sequence);
    links.error = Exchange(NETLINK_ROUTE, netlink::BuildGetLinkDumpRequest(sequence), parser,
                           Clock::now() + options_.list_timeout);
    if (!links.error.empty()) {
      links.error = "listing kernel WireGuard links: " + links.error;
      return links;
    }
    links.wireguard = parser.wireguard_links();
    links.all = parser.all_links();
  } catch (const std::exception& e) {
    links.error = std::string("listing kernel WireGuard links: ") + e.what();
  }
  return links;
}

std::vector<InterfaceRef> KernelSource::List(std::vector<std::string>& errors) {
  std::vector<InterfaceRef> interfaces;
  Links links = ListLinks();
  if (!links.error.empty()) errors.push_back(std::move(links.error));
  for (netlink::KernelLink& link : links.wireguard) {
    InterfaceRef ref;
    ref.name = std::move(link.name);
    ref.implementation = Implementation::kKernel;
    ref.protocol = link.protocol;
    interfaces.push_back(std::move(ref));
  }
  return interfaces;
}

std::vector<ReadResult> KernelSource::Read(const std::vector<ReadRequest>& requests) {
  std::vector<ReadResult> results(requests.size());
  const auto start = Clock::now();
  try {
    if (requests.empty()) return results;
    Clock::time_point latest = start;
    for (const ReadRequest& request : requests) latest = std::max(latest, start + request.timeout);

    // Resolved on every read: the id changes when the module is reloaded.
    // Only the families some request needs, each once.
    std::vector<std::uint16_t> family_ids(requests.size(), 0);
    for (const Protocol protocol : {Protocol::kWireGuard, Protocol::kAmneziaWg}) {
      const bool needed = std::any_of(requests.begin(), requests.end(), [&](const ReadRequest& r) {
        return r.interface.protocol == protocol;
      });
      if (!needed) continue;
      const char* family_name =
          protocol == Protocol::kAmneziaWg ? amneziawg::kGenericNetlinkFamily : WG_GENL_NAME;
      const std::uint32_t sequence = NextSequence();
      netlink::FamilyReplyParser family(family_name, sequence);
      std::string error = Exchange(
          NETLINK_GENERIC, netlink::BuildGetFamilyRequest(family_name, sequence), family, latest);
      if (!error.empty() && family.error().error_number == ENOENT) {
        error = protocol == Protocol::kAmneziaWg ? kNoAmneziaWg : kNoWireGuard;
      }
      for (std::size_t i = 0; i < requests.size(); ++i) {
        if (requests[i].interface.protocol != protocol) continue;
        if (error.empty()) {
          family_ids[i] = family.family_id();
        } else {
          results[i].error = error;
          results[i].duration_seconds = SecondsBetween(start, Clock::now());
        }
      }
    }
    ConcurrentDeviceReader(requests, results, std::move(family_ids), start).Run();
  } catch (const std::exception& e) {
    for (ReadResult& result : results) {
      if (result.device || !result.error.empty()) continue;
      result.error = std::string("reading kernel WireGuard: ") + e.what();
      result.duration_seconds = SecondsBetween(start, Clock::now());
    }
  }
  return results;
}

}  // namespace wgx
