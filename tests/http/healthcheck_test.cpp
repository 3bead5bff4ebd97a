// The --healthcheck client against real listening sockets on loopback: a
// server that answers 200, one that answers 503, one that accepts and never
// answers, and a port nobody listens on.
#include "exporter/http/healthcheck.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "exporter/wireguard/unique_fd.h"

namespace wgx {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 with a kernel-chosen port.
struct Listener {
  UniqueFd fd{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port = 0;

  Listener() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd.get(), 4), 0);
    socklen_t len = sizeof address;
    EXPECT_EQ(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &len), 0);
    port = ntohs(address.sin_port);
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(port); }

  // Accepts one connection, reads the request head, answers `answer` (if any)
  // and returns the request.
  std::string ServeOnce(const std::string& answer) {
    UniqueFd client(accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(client.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    if (!answer.empty()) {
      (void)!write(client.get(), answer.data(), answer.size());
    } else {
      std::this_thread::sleep_for(1s);  // longer than the client's timeout
    }
    return request;
  }
};

TEST(HealthCheck, HealthyOnA200AnswerAndAsksForHealthy) {
  Listener server;
  std::string request;
  std::thread serve(
      [&] { request = server.ServeOnce("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"); });
  const auto result = CheckHealth(server.Address());
  serve.join();
  EXPECT_TRUE(result.healthy) << result.detail;
  EXPECT_EQ(result.detail, "HTTP/1.1 200 OK");
  EXPECT_EQ(request.rfind("GET /-/healthy HTTP/1.0\r\n", 0), 0U) << request;
}

TEST(HealthCheck, EmptyHostMeansLoopback) {
  Listener server;
  std::thread serve([&] { server.ServeOnce("HTTP/1.0 200 OK\r\n\r\n"); });
  const auto result = CheckHealth(":" + std::to_string(server.port));
  serve.join();
  EXPECT_TRUE(result.healthy) << result.detail;
}

TEST(HealthCheck, UnhealthyOnAnyOtherStatus) {
  Listener server;
  std::thread serve([&] { server.ServeOnce("HTTP/1.1 503 Service Unavailable\r\n\r\n"); });
  const auto result = CheckHealth(server.Address());
  serve.join();
  EXPECT_FALSE(result.healthy);
  EXPECT_EQ(result.detail, "HTTP/1.1 503 Service Unavailable");
}

TEST(HealthCheck, UnhealthyOnGarbage) {
  Listener server;
  std::thread serve([&] { server.ServeOnce("SSH-2.0-OpenSSH_9.2\r\n"); });
  const auto result = CheckHealth(server.Address());
  serve.join();
  EXPECT_FALSE(result.healthy);
}

TEST(HealthCheck, UnhealthyWhenTheServerNeverAnswers) {
  Listener server;
  std::thread serve([&] { server.ServeOnce(""); });
  const auto result = CheckHealth(server.Address(), 200ms);
  serve.join();
  EXPECT_FALSE(result.healthy);
  EXPECT_EQ(result.detail, "no answer within the timeout");
}

TEST(HealthCheck, UnhealthyWhenNothingListens) {
  int port = 0;
  {
    Listener closed;  // a port that was free a moment ago, now closed again
    port = closed.port;
  }
  const auto result = CheckHealth("127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(result.healthy);
  EXPECT_NE(result.detail.find("Connection refused"), std::string::npos) << result.detail;
}

TEST(HealthCheck, UnhealthyOnAnAddressWithoutPort) {
  const auto result = CheckHealth("localhost");
  EXPECT_FALSE(result.healthy);
  EXPECT_NE(result.detail.find("no port"), std::string::npos);
}

}  // namespace
}  // namespace wgx
