#include "exporter/wireguard/userspace_source.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include "exporter/wireguard/amneziawg.h"
#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/key.h"
#include "exporter/wireguard/poll_timeout.h"
#include "exporter/wireguard/uapi_parser.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kGetRequest = "get=1\n\n";
constexpr std::string_view kSocketSuffix = ".sock";
constexpr std::size_t kInitialAnswerCapacity = std::size_t{64} << 10;
// A listener with a full backlog refuses a non-blocking AF_UNIX connect with
// EAGAIN instead of queueing it; try again this often until the deadline.
constexpr auto kConnectRetryInterval = std::chrono::milliseconds(5);
// Bounds the work done for one socket per wake-up so a fast sender cannot
// starve the others (or their deadlines) in the same loop.
constexpr int kMaxReceivesPerWakeup = 64;
constexpr std::chrono::hours kLongestTimeout(24);

// A growable byte buffer that wipes every byte it stops using: the answer
// starts with the device's private key, and a plain std::string would leave
// copies of it behind in freed memory each time it grew.
class WipingBuffer {
 public:
  WipingBuffer() = default;
  WipingBuffer(const WipingBuffer&) = delete;
  WipingBuffer& operator=(const WipingBuffer&) = delete;
  WipingBuffer(WipingBuffer&&) noexcept = default;
  WipingBuffer& operator=(WipingBuffer&&) noexcept = default;
  ~WipingBuffer() { Release(); }

  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  char* free_space() { return data_.get() + size_; }
  std::size_t free_bytes() const { return capacity_ - size_; }
  void Commit(std::size_t bytes) { size_ += bytes; }

  // Makes room for at least one more byte, never growing past `limit`.
  void Grow(std::size_t limit) {
    if (size_ < capacity_) return;
    const std::size_t wanted = std::min(limit, std::max(kInitialAnswerCapacity, capacity_ * 2));
    auto bigger = std::make_unique_for_overwrite<char[]>(wanted);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    SecureWipe(data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = wanted;
  }

  void Release() {
    SecureWipe(data_.get(), size_);
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

enum class Stage { kConnecting, kSending, kReceiving, kDone };

struct Connection {
  std::size_t index = 0;  // into requests and results
  UniqueFd fd;
  Stage stage = Stage::kConnecting;
  bool connect_in_progress = false;  // waiting for POLLOUT after EINPROGRESS
  Clock::time_point deadline;
  Clock::time_point retry_connect_at;  // used while !connect_in_progress
  sockaddr_un address{};
  socklen_t address_length = 0;
  std::size_t request_bytes_sent = 0;
  WipingBuffer answer;
};

bool IsSafeInterfaceName(std::string_view name) {
  // The name becomes a path component; it must not climb out of the
  // socket directory or smuggle a NUL into the path.
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

// Index of the first "\n\n" in data[from, size), or size when there is none.
// Every byte of every answer passes through here, and glibc's memmem steps a
// two-byte needle one byte at a time (about a tenth of a 10,000-peer scrape's
// CPU); this tests eight positions per step instead.
std::size_t FindNewlinePair(const char* data, std::size_t from, std::size_t size) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighBits = 0x8080808080808080;
  constexpr std::uint64_t kNewlines = kOnes * '\n';
  std::size_t i = from;
  // Positions i..i+7 need bytes i..i+8.
  for (; i + 9 <= size; i += 8) {
    std::uint64_t here;
    std::uint64_t next;
    std::memcpy(&here, data + i, 8);
    std::memcpy(&next, data + i + 1, 8);
    // A zero byte marks a position whose byte and next byte are both '\n'.
    const std::uint64_t pair = (here ^ kNewlines) | (next ^ kNewlines);
    if (((pair - kOnes) & ~pair & kHighBits) != 0) break;
  }
  for (; i + 1 < size; ++i) {
    if (data[i] == '\n' && data[i + 1] == '\n') return i;
  }
  return size;
}

// Finds the end of the answer: the first empty line. Returns 0 while it has
// not arrived. Only the bytes from `scanned_before` on are new.
std::size_t FindAnswerEnd(const WipingBuffer& buffer, std::size_t scanned_before) {
  const char* data = buffer.data();
  const std::size_t size = buffer.size();
  if (size == 0) return 0;
  if (data[0] == '\n') return 1;
  // The pair may straddle the previous read, so back up one byte.
  const std::size_t from = scanned_before > 0 ? scanned_before - 1 : 0;
  if (size - from < 2) return 0;
  const std::size_t hit = FindNewlinePair(data, from, size);
  if (hit == size) return 0;
  return hit + 2;
}

class ReadLoop {
 public:
  ReadLoop(const std::string& socket_directory, std::size_t max_answer_bytes,
           const std::vector<ReadRequest>& requests, std::vector<ReadResult>& results)
      : socket_directory_(socket_directory),
        max_answer_bytes_(max_answer_bytes),
        requests_(requests),
        results_(results) {}

  void Run() {
    start_ = Clock::now();
    connections_.reserve(requests_.size());
    for (std::size_t i = 0; i < requests_.size(); ++i) Open(i);
    std::vector<pollfd> poll_fds;
    std::vector<Connection*> polled;
    poll_fds.reserve(connections_.size());
    polled.reserve(connections_.size());

    while (true) {
      const Clock::time_point now = Clock::now();
      poll_fds.clear();
      polled.clear();
      Clock::time_point wake_at = Clock::time_point::max();
      for (Connection& connection : connections_) {
        if (connection.stage == Stage::kDone) continue;
        if (now >= connection.deadline) {
          TimeOut(connection);
          continue;
        }
        if (connection.stage == Stage::kConnecting && !connection.connect_in_progress) {
          if (now >= connection.retry_connect_at) {
            TryConnect(connection);
            if (connection.stage == Stage::kDone) continue;
          }
          if (connection.stage == Stage::kConnecting && !connection.connect_in_progress) {
            wake_at = std::min({wake_at, connection.retry_connect_at, connection.deadline});
            continue;
          }
        }
        const short events = connection.stage == Stage::kReceiving ? POLLIN : POLLOUT;
        poll_fds.push_back({connection.fd.get(), events, 0});
        polled.push_back(&connection);
        wake_at = std::min(wake_at, connection.deadline);
      }
      if (wake_at == Clock::time_point::max()) return;  // every connection is done

      const int timeout_ms = PollTimeoutUntil(wake_at, now);
      const int ready = poll(poll_fds.data(), poll_fds.size(), timeout_ms);
      if (ready < 0) {
        if (errno == EINTR) continue;
        FailAllOpen("poll: " + ErrnoText(errno));
        return;
      }
      for (std::size_t i = 0; i < poll_fds.size(); ++i) {
        if (poll_fds[i].revents != 0) Advance(*polled[i], poll_fds[i].revents);
      }
    }
  }

 private:
  void Open(std::size_t index) {
    const ReadRequest& request = requests_[index];
    const std::string& name = request.interface.name;
    if (!IsSafeInterfaceName(name)) {
      FailRequest(index, "invalid interface name");
      return;
    }
    Connection& connection = connections_.emplace_back();
    connection.index = index;
    // Clamped so that start + timeout cannot overflow the clock's range.
    connection.deadline = start_ + std::clamp(request.timeout, std::chrono::milliseconds(0),
                                              std::chrono::milliseconds(kLongestTimeout));
    connection.retry_connect_at = start_;

    // An interface found in another root brings the directory it was found in.
    const SocketDirectory* found_in = request.interface.socket_directory.get();
    std::string path = socket_directory_;
    if (found_in != nullptr) path = found_in->path;
    path += '/';
    path += name;
    path += kSocketSuffix;
    if (path.size() >= sizeof connection.address.sun_path) {
      FailConnection(connection, "socket path too long: " + path);
      return;
    }
    connection.address.sun_family = AF_UNIX;
    std::memcpy(connection.address.sun_path, path.c_str(), path.size() + 1);
    connection.address_length =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);

    connection.fd.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!connection.fd) {
      FailConnection(connection, "socket: " + ErrnoText(errno));
      return;
    }
    TryConnect(connection);
  }

  void TryConnect(Connection& connection) {
    if (connect(connection.fd.get(), reinterpret_cast<const sockaddr*>(&connection.address),
                connection.address_length) == 0) {
      connection.stage = Stage::kSending;
      Send(connection);
      return;
    }
    const int error = errno;
    if (error == EINPROGRESS) {
      connection.connect_in_progress = true;
    } else if (error == EAGAIN || error == EINTR) {
      connection.retry_connect_at = Clock::now() + kConnectRetryInterval;
    } else {
      FailConnection(connection, "connect: " + ErrnoText(error));
    }
  }

  void Advance(Connection& connection, short revents) {
    switch (connection.stage) {
      case Stage::kConnecting: {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(connection.fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
          error = errno;
        }
        if (error != 0) {
          FailConnection(connection, "connect: " + ErrnoText(error));
          return;
        }
        if ((revents & POLLOUT) == 0) return;
        connection.connect_in_progress = false;
        connection.stage = Stage::kSending;
        Send(connection);
        return;
      }
      case Stage::kSending:
        Send(connection);
        return;
      case Stage::kReceiving:
        Receive(connection);
        return;
      case Stage::kDone:
        return;
    }
  }

  void Send(Connection& connection) {
    while (connection.request_bytes_sent < kGetRequest.size()) {
      const std::string_view rest = kGetRequest.substr(connection.request_bytes_sent);
      // MSG_NOSIGNAL: a peer that already closed must not kill the process.
      const ssize_t sent = send(connection.fd.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;  // poll tells us when there is room
        FailConnection(connection, "send: " + ErrnoText(errno));
        return;
      }
      connection.request_bytes_sent += static_cast<std::size_t>(sent);
    }
    connection.stage = Stage::kReceiving;
  }

  void Receive(Connection& connection) {
    WipingBuffer& answer = connection.answer;
    // One byte beyond the cap is enough to know the cap was exceeded.
    const std::size_t limit = max_answer_bytes_ + 1;
    for (int turn = 0; turn < kMaxReceivesPerWakeup; ++turn) {
      answer.Grow(limit);
      const std::size_t room = std::min(answer.free_bytes(), limit - answer.size());
      const ssize_t received = recv(connection.fd.get(), answer.free_space(), room, 0);
      if (received < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return;
        FailConnection(connection, "read: " + ErrnoText(errno));
        return;
      }
      if (received == 0) {
        FailConnection(connection, "connection closed before the answer ended");
        return;
      }
      const std::size_t scanned_before = answer.size();
      answer.Commit(static_cast<std::size_t>(received));
      const std::size_t answer_end = FindAnswerEnd(answer, scanned_before);
      if (answer_end != 0 && answer_end <= max_answer_bytes_) {
        Complete(connection, answer_end);
        return;
      }
      if (answer_end != 0 || answer.size() > max_answer_bytes_) {
        FailConnection(connection,
                       "answer exceeds " + std::to_string(max_answer_bytes_) + " bytes");
        return;
      }
    }
  }

  void Complete(Connection& connection, std::size_t answer_end) {
    // Hang up first: the implementation need not wait on us while we parse.
    connection.fd.reset();
    UapiParseResult parsed = ParseUapiGet(std::string_view(connection.answer.data(), answer_end),
                                          requests_[connection.index].interface.name);
    connection.answer.Release();
    if (parsed.device) {
      ReadResult& result = results_[connection.index];
      result.device = std::move(parsed.device);
      // amneziawg-go with every obfuscation setting off writes no key of its
      // own; its socket directory still says what it is.
      if (requests_[connection.index].interface.protocol == Protocol::kAmneziaWg) {
        result.device->protocol = Protocol::kAmneziaWg;
      }
      result.duration_seconds = SecondsSinceStart();
      connection.stage = Stage::kDone;
    } else {
      FailConnection(connection, std::move(parsed.error));
    }
  }

  void TimeOut(Connection& connection) {
    const char* waiting_for = "waiting for the answer";
    if (connection.stage == Stage::kConnecting) waiting_for = "waiting to connect";
    if (connection.stage == Stage::kSending) waiting_for = "waiting to send the request";
    const auto timeout = requests_[connection.index].timeout;
    FailConnection(connection,
                   "timed out after " + std::to_string(timeout.count()) + " ms " + waiting_for);
  }

  void FailAllOpen(const std::string& error) {
    for (Connection& connection : connections_) {
      if (connection.stage != Stage::kDone) FailConnection(connection, error);
    }
  }

  // Ends a connection with an error; Complete() ends one with a device.
  void FailConnection(Connection& connection, std::string error) {
    connection.fd.reset();
    connection.answer.Release();
    connection.stage = Stage::kDone;
    FailRequest(connection.index, std::move(error));
  }

  // Also for a request that never got a connection.
  void FailRequest(std::size_t index, std::string error) {
    ReadResult& result = results_[index];
    result.device.reset();
    result.error = std::move(error);
    result.duration_seconds = SecondsSinceStart();
  }

  double SecondsSinceStart() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

  const std::string& socket_directory_;
  const std::size_t max_answer_bytes_;
  const std::vector<ReadRequest>& requests_;
  std::vector<ReadResult>& results_;
  std::vector<Connection> connections_;
  Clock::time_point start_;
};

}  // namespace

std::vector<std::string> UserspaceSource::DefaultSocketDirectories() {
  return {kDefaultSocketDirectory, amneziawg::kSocketDirectory};
}

Protocol UserspaceSource::ProtocolOfDirectory(std::string_view directory) {
  while (directory.size() > 1 && directory.back() == '/') directory.remove_suffix(1);
  const std::size_t slash = directory.rfind('/');
  const std::string_view last =
      slash == std::string_view::npos ? directory : directory.substr(slash + 1);
  return last == "amneziawg" ? Protocol::kAmneziaWg : Protocol::kWireGuard;
}

UserspaceSource::UserspaceSource(std::string socket_directory, std::size_t max_answer_bytes)
    : socket_directory_(std::move(socket_directory)), max_answer_bytes_(max_answer_bytes) {}

std::vector<InterfaceRef> UserspaceSource::List(std::vector<std::string>& errors) {
  std::vector<InterfaceRef> interfaces;
  try {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::directory_iterator entries(socket_directory_, error);
    if (error) {
      // No directory simply means no userspace implementation is running.
      if (error != std::errc::no_such_file_or_directory) {
        errors.push_back("listing " + socket_directory_ + ": " + error.message());
      }
      return interfaces;
    }
    for (; !error && entries != fs::directory_iterator(); entries.increment(error)) {
      const std::string file_name = entries->path().filename().string();
      if (file_name.size() <= kSocketSuffix.size() || !file_name.ends_with(kSocketSuffix)) {
        continue;
      }
      std::error_code type_error;
      // Follows symlinks, as connect() will.
      if (!entries->is_socket(type_error)) continue;
      InterfaceRef ref;
      ref.name = file_name.substr(0, file_name.size() - kSocketSuffix.size());
      ref.implementation = Implementation::kUserspace;
      ref.protocol = ProtocolOfDirectory(socket_directory_);
      interfaces.push_back(std::move(ref));
    }
    if (error) errors.push_back("listing " + socket_directory_ + ": " + error.message());
    std::sort(interfaces.begin(), interfaces.end(),
              [](const InterfaceRef& a, const InterfaceRef& b) { return a.name < b.name; });
  } catch (const std::exception& e) {
    errors.push_back("listing " + socket_directory_ + ": " + e.what());
  }
  return interfaces;
}

std::vector<ReadResult> UserspaceSource::Read(const std::vector<ReadRequest>& requests) {
  std::vector<ReadResult> results;
  try {
    results.resize(requests.size());
    ReadLoop(socket_directory_, max_answer_bytes_, requests, results).Run();
  } catch (const std::exception& e) {
    // Only allocation can throw; whatever was read stays, the rest fail.
    results.resize(requests.size());
    for (ReadResult& result : results) {
      if (!result.device && result.error.empty()) {
        result.error = std::string("read failed: ") + e.what();
      }
    }
  }
  return results;
}

}  // namespace wgx
