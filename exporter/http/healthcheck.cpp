#include "exporter/http/healthcheck.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/poll_timeout.h"
#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until fd is ready for `events` or the deadline passes.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, PollTimeoutUntil(deadline, Clock::now()));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

HealthCheckResult Fail(std::string why) { return {false, std::move(why)}; }

}  // namespace

HealthCheckResult CheckHealth(const std::string& listen_address,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const auto colon = listen_address.rfind(':');
  if (colon == std::string::npos) return Fail("no port in \"" + listen_address + "\"");
  std::string host = listen_address.substr(0, colon);
  const std::string port = listen_address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Fail("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);

  std::string last_error = "no address for " + host;
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    UniqueFd fd(socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      last_error = "socket: " + ErrnoText(errno);
      continue;
    }
    if (connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = "connect to " + listen_address + ": " + ErrnoText(errno);
      continue;
    }
    if (!WaitFor(fd.get(), POLLOUT, deadline)) {
      last_error = "connect to " + listen_address + ": timed out";
      continue;
    }
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
      last_error = "connect to " + listen_address + ": " + ErrnoText(error);
      continue;
    }
    const std::string request = "GET /-/healthy HTTP/1.0\r\nHost: " + listen_address +
                                "\r\nUser-Agent: wireguard_exporter-healthcheck\r\n\r\n";
    if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return Fail("send: " + ErrnoText(errno));
    }
    std::string answer;
    char buffer[512];
    while (answer.find("\r\n") == std::string::npos && answer.size() < 4096) {
      if (!WaitFor(fd.get(), POLLIN, deadline)) return Fail("no answer within the timeout");
      const ssize_t n = recv(fd.get(), buffer, sizeof buffer, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      answer.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string status = answer.substr(0, answer.find("\r\n"));
    if (status.empty()) return Fail("empty answer from " + listen_address);
    const bool ok =
        status.rfind("HTTP/1.", 0) == 0 && status.size() >= 12 && status.compare(8, 4, " 200") == 0;
    return {ok, status};
  }
  return Fail(last_error);
}

}  // namespace wgx
