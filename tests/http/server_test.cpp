#include "exporter/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libdeflate.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

namespace wgx {
namespace {

struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

// Sends one raw request to 127.0.0.1:port and reads until the server closes.
Response Request(int port, const std::string& raw) {
  Response response;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return response;
  }
  (void)!write(fd, raw.data(), raw.size());
  std::string all;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  const auto end = all.find("\r\n\r\n");
  if (end == std::string::npos) return response;
  response.headers = all.substr(0, end);
  response.body = all.substr(end + 4);
  response.status = std::atoi(all.c_str() + all.find(' ') + 1);
  return response;
}

Response Get(int port, const std::string& path, const std::string& extra = "") {
  return Request(port,
                 "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(bool lifecycle, std::optional<std::string> web_config = std::nullopt) {
    auth_ = std::make_unique<WebAuth>(web_config);
    ASSERT_FALSE(auth_->LoadInitial().has_value());
    ServerOptions options;
    options.listening_ports = "127.0.0.1:0";
    options.enable_lifecycle = lifecycle;
    options.version = "1.2.3";
    server_ = std::make_unique<HttpServer>(
        options,
        ServerHandlers{[this] {
                         ++scrapes_;
                         return std::string("# HELP up test\n# TYPE up gauge\nup 1\n");
                       },
                       [this]() -> std::optional<ConfigError> {
                         ++reloads_;
                         if (fail_reload_) return ConfigError{"c.yml", 3, 4, "bad"};
                         return std::nullopt;
                       }},
        *auth_);
    ASSERT_FALSE(server_->Start().has_value());
    port_ = server_->BoundPort();
    ASSERT_GT(port_, 0);
  }

  std::unique_ptr<WebAuth> auth_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> scrapes_{0};
  std::atomic<int> reloads_{0};
  bool fail_reload_ = false;
};

TEST_F(ServerTest, ServesMetricsWithExpositionContentType) {
  Start(false);
  const Response r = Get(port_, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            std::string::npos);
  EXPECT_EQ(r.body, "# HELP up test\n# TYPE up gauge\nup 1\n");
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(ServerTest, CompressesWhenAskedForGzip) {
  Start(false);
  const Response r = Get(port_, "/metrics", "Accept-Encoding: gzip, deflate\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Encoding: gzip"), std::string::npos);
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::string out(4096, '\0');
  size_t n = 0;
  ASSERT_EQ(libdeflate_gzip_decompress(d, r.body.data(), r.body.size(), out.data(), out.size(), &n),
            LIBDEFLATE_SUCCESS);
  libdeflate_free_decompressor(d);
  out.resize(n);
  EXPECT_EQ(out, "# HELP up test\n# TYPE up gauge\nup 1\n");

  const Response refused = Get(port_, "/metrics", "Accept-Encoding: gzip;q=0\r\n");
  EXPECT_EQ(refused.headers.find("Content-Encoding: gzip"), std::string::npos);
}

TEST_F(ServerTest, LandingHealthAndUnknownPaths) {
  Start(false);
  const Response landing = Get(port_, "/");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.body.find("<a href=\"/metrics\">"), std::string::npos);
  EXPECT_NE(landing.body.find("1.2.3"), std::string::npos);
  EXPECT_EQ(Get(port_, "/-/healthy").status, 200);
  EXPECT_EQ(Get(port_, "/-/ready").status, 200);
  EXPECT_EQ(Get(port_, "/nope").status, 404);
  EXPECT_EQ(Get(port_, "/metrics/extra").status, 404);
  EXPECT_EQ(scrapes_, 0);
}

TEST_F(ServerTest, MethodsAreChecked) {
  Start(true);
  const Response post = Request(port_,
                                "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                "Content-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_EQ(Get(port_, "/-/reload").status, 405);
  const Response head =
      Request(port_, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ServerTest, ReloadNeedsLifecycleFlag) {
  Start(false);
  const std::string post =
      "POST /-/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Length: 0\r\n\r\n";
  EXPECT_EQ(Request(port_, post).status, 403);
  EXPECT_EQ(reloads_, 0);
}

TEST_F(ServerTest, ReloadReportsSuccessAndFailure) {
  Start(true);
  const std::string post =
      "POST /-/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Content-Length: 0\r\n\r\n";
  EXPECT_EQ(Request(port_, post).status, 200);
  fail_reload_ = true;
  const Response failed = Request(port_, post);
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find("c.yml:3:4: bad"), std::string::npos);
  EXPECT_EQ(reloads_, 2);
}

TEST_F(ServerTest, BasicAuthGuardsEveryEndpointButExemptOnes) {
  char tmpl[] = "/tmp/wgx-srv-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/web.yml";
  // bcrypt of "secret".
  std::ofstream(path) << "basic_auth_users:\n"
                         "  alice: $2y$10$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l2\n"
                         "auth_exempt_paths: [/-/healthy]\n"
                         "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n";
  Start(true, path);
  for (const char* p : {"/metrics", "/", "/-/ready", "/nope"}) {
    const Response r = Get(port_, p);
    EXPECT_EQ(r.status, 401) << p;
    EXPECT_NE(r.headers.find("WWW-Authenticate: Basic"), std::string::npos) << p;
  }
  EXPECT_EQ(Get(port_, "/-/healthy").status, 200);
  // alice:secret and alice:wrong
  const Response ok = Get(port_, "/metrics", "Authorization: Basic YWxpY2U6c2VjcmV0\r\n");
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.headers.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_EQ(Get(port_, "/metrics", "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n").status, 401);
  EXPECT_EQ(scrapes_, 1);
  std::remove(path.c_str());
  rmdir(tmpl);
}

TEST_F(ServerTest, AddressInUseIsAnErrorNotACrash) {
  Start(false);
  WebAuth auth(std::nullopt);
  ServerOptions options;
  options.listening_ports = "127.0.0.1:" + std::to_string(port_);
  HttpServer second(
      options,
      ServerHandlers{[] { return std::string(); }, [] { return std::optional<ConfigError>(); }},
      auth);
  auto error = second.Start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("cannot listen on 127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << *error;
}

}  // namespace
}  // namespace wgx
