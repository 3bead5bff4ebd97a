#include "exporter/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

// Splits what the server sent into status, headers and body; an answer
// without a complete header block has status 0.
Response ParseResponse(std::string_view all) {
  Response response;
  const std::size_t end = all.find("\r\n\r\n");
  if (end == std::string_view::npos) return response;
  response.headers = all.substr(0, end);
  response.body = all.substr(end + 4);
  response.status = std::atoi(response.headers.c_str() + response.headers.find(' ') + 1);
  return response;
}

// A TCP connection to 127.0.0.1:port whose reads give up after 5 s.
class Connection {
 public:
  explicit Connection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Writes all of `raw`; false when it could not.
  bool Send(std::string_view raw) {
    return connected() && write(fd_, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size());
  }

  // Reads once, waiting at most 5 s for a byte: the count read, 0 when the
  // server closed the connection, -1 on a timeout or error.
  ssize_t ReadOnce() {
    char buf[65536];
    const ssize_t n = connected() ? read(fd_, buf, sizeof buf) : -1;
    if (n > 0) received_.append(buf, static_cast<std::size_t>(n));
    return n;
  }

  // Reads until `marker` has arrived; false when the connection ended first.
  bool ReadUntil(std::string_view marker) {
    while (received_.find(marker) == std::string::npos) {
      if (ReadOnce() <= 0) return false;
    }
    return true;
  }

  // Reads until the server closes the connection; false when a read timed
  // out or failed instead.
  bool ReadUntilClosed() {
    ssize_t n = 0;
    while ((n = ReadOnce()) > 0) {
    }
    return n == 0;
  }

  // What was received so far, which is then forgotten.
  std::string TakeReceived() { return std::exchange(received_, std::string()); }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  std::string received_;
};

// Sends one raw request to 127.0.0.1:port and reads until the server closes.
Response Request(int port, std::string_view raw) {
  Connection connection(port);
  if (!connection.Send(raw)) return {};
  connection.ReadUntilClosed();
  return ParseResponse(connection.TakeReceived());
}

Response Get(int port, const std::string& path, const std::string& extra = "") {
  return Request(port,
                 "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + extra + "\r\n");
}

// A POST without a body.
Response Post(int port, const std::string& path) {
  return Request(port, "POST " + path +
                           " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           "Content-Length: 0\r\n\r\n");
}

// A request the server may answer on a connection it keeps open.
constexpr char kKeepAliveScrape[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

// The zero-size chunk and empty trailer that end a chunked body (the test
// expositions hold no CR, so their data never looks like it).
constexpr char kChunkedEnd[] = "\r\n0\r\n\r\n";

struct ChunkedBody {
  std::string data;
  bool ended = false;  // by the zero-size chunk
};

// Reads a chunked body that may stop after any whole chunk (a cut answer);
// fails the test on a malformed framing, such as bytes that are no chunk.
ChunkedBody ParseChunked(std::string_view body) {
  ChunkedBody out;
  while (!body.empty()) {
    const std::size_t line_end = body.find("\r\n");
    std::size_t size = 0;
    const char* const size_end = body.data() + std::min(line_end, body.size());
    const auto [parsed_end, error] = std::from_chars(body.data(), size_end, size, 16);
    if (line_end == std::string_view::npos || error != std::errc() || parsed_end != size_end) {
      ADD_FAILURE() << "no chunk size line at: " << body.substr(0, 80);
      return out;
    }
    body.remove_prefix(line_end + 2);
    if (size == 0) {
      EXPECT_EQ(body, "\r\n") << "bad end of chunked body";
      out.ended = true;
      return out;
    }
    if (body.size() < size + 2 || body.substr(size, 2) != "\r\n") {
      ADD_FAILURE() << "chunk of " << size << " bytes cut short";
      return out;
    }
    out.data.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
  return out;
}

// The data of a whole chunked body.
std::string Dechunk(std::string_view body) {
  ChunkedBody chunked = ParseChunked(body);
  EXPECT_TRUE(chunked.ended) << "the chunked body has no end";
  return std::move(chunked.data);
}

// Decodes one gzip member with zlib (not the library that wrote it) and
// checks that the member is the whole input: a client that decodes only the
// first member must still see everything.
std::string Gunzip(std::string_view gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): zlib never writes its input
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[65536];
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  EXPECT_EQ(status, Z_STREAM_END) << "not a complete gzip member";
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the first gzip member";
  inflateEnd(&z);
  return out;
}

// `pieces` pieces of 64 KiB, each different, as the collector hands them on.
std::string BigExposition(int pieces) {
  std::string text;
  for (int i = 0; i < pieces; ++i) {
    std::string piece = "# piece " + std::to_string(i) + "\n";
    while (piece.size() < 65536) {
      piece += "wireguard_peer_online{interface=\"wg" + std::to_string(i) + "\",public_key=\"" +
               std::to_string(piece.size() * 7919 % 100003) + "\"} 1\n";
    }
    piece.resize(65536);
    piece.back() = '\n';
    text += piece;
  }
  return text;
}

// Holds scrapes in the collect handler until it is opened.
class Gate {
 public:
  void Pass() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  // False when fewer than `scrapes` were waiting after 5 s.
  bool AwaitWaiting(int scrapes) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return waiting_ >= scrapes; });
  }
  void Open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  // No scrape may still be held when the server stops.
  ~ServerTest() override { gate_.Open(); }

  void Start(bool lifecycle, std::optional<std::string> web_config = std::nullopt) {
    auth_ = std::make_unique<WebAuth>(web_config);
    ASSERT_FALSE(auth_->LoadInitial().has_value());
    options_.listening_ports = "127.0.0.1:0";
    options_.enable_lifecycle = lifecycle;
    options_.version = "1.2.3";
    ServerHandlers handlers;
    handlers.collect = [this](ExpositionFormat format, const ExpositionSink& sink) {
      ++scrapes_;
      last_format_ = format;
      return collect_ ? collect_(sink) : ServeExposition(sink);
    };
    if (summarize_) handlers.summarize = summarize_;
    handlers.reload = [this]() -> std::optional<ConfigError> {
      ++reloads_;
      if (fail_reload_) return ConfigError{"c.yml", 3, 4, "bad"};
      return std::nullopt;
    };
    server_ = std::make_unique<HttpServer>(options_, std::move(handlers), *auth_);
    ASSERT_FALSE(server_->Start().has_value());
    port_ = server_->BoundPort();
    ASSERT_GT(port_, 0);
  }

  // Serves `pieces` pieces of 64 KiB whose scrapes fail after
  // `fail_after_pieces` of them.
  void StartFailingAfter(int pieces, int fail_after_pieces) {
    SetExposition(BigExposition(pieces));
    fail_after_pieces_ = fail_after_pieces;
    Start(false);
  }

  // The exposition the collect handler serves from now on. Swapped whole, so
  // a scrape still running keeps reading the one it began with.
  void SetExposition(std::string text) {
    auto next = std::make_shared<const std::string>(std::move(text));
    const std::lock_guard lock(exposition_mutex_);
    exposition_ = std::move(next);
  }
  std::shared_ptr<const std::string> Exposition() {
    const std::lock_guard lock(exposition_mutex_);
    return exposition_;
  }

  std::unique_ptr<WebAuth> auth_;
  ServerOptions options_;
  // Set before Start to replace the collect handler that serves the exposition.
  std::function<bool(const ExpositionSink&)> collect_;
  std::function<ScrapeSummary()> summarize_;  // set before Start for a live landing page
  std::atomic<ExpositionFormat> last_format_{ExpositionFormat::kText};
  Gate gate_;  // outlives the server, whose workers may wait in it
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> scrapes_{0};
  std::atomic<int> pieces_sent_{0};
  std::atomic<bool> stopped_{false};
  // >= 0: the collect handler fails after that many pieces.
  std::atomic<int> fail_after_pieces_{-1};
  std::atomic<int> reloads_{0};
  std::atomic<bool> fail_reload_{false};

 private:
  // Hands the exposition on in pieces of at most 64 KiB, as the collector
  // does with larger ones.
  bool ServeExposition(const ExpositionSink& sink) {
    const std::shared_ptr<const std::string> text = Exposition();
    std::string_view rest(*text);
    if (fail_after_pieces_ == 0) return false;
    int pieces = 0;
    while (!rest.empty()) {
      // A scrape that breaks down midway.
      if (pieces++ == fail_after_pieces_) return false;
      const std::string_view piece = rest.substr(0, 65536);
      rest.remove_prefix(piece.size());
      if (!sink(piece)) {
        stopped_ = true;
        return false;
      }
      ++pieces_sent_;
    }
    return true;
  }

  std::mutex exposition_mutex_;
  std::shared_ptr<const std::string> exposition_ =
      std::make_shared<const std::string>("# HELP up test\n# TYPE up gauge\nup 1\n");
};

// 640 KiB: past what is held back, so streaming began.
constexpr int kPiecesPastHeldBytes = 10;

TEST_F(ServerTest, ServesMetricsWithExpositionContentType) {
  Start(false);
  const Response r = Get(port_, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            std::string::npos);
  EXPECT_EQ(r.body, "# HELP up test\n# TYPE up gauge\nup 1\n");
  // A small answer is sent whole, with its length.
  EXPECT_NE(r.headers.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos)
      << r.headers;
  EXPECT_EQ(r.headers.find("Transfer-Encoding"), std::string::npos) << r.headers;
  // Exactly one Date header, though the server writes its own.
  EXPECT_NE(r.headers.find("\r\nDate: "), std::string::npos) << r.headers;
  EXPECT_EQ(r.headers.find("\r\nDate: "), r.headers.rfind("\r\nDate: ")) << r.headers;
  EXPECT_EQ(scrapes_, 1);
}

TEST_F(ServerTest, CompressesWhenAskedForGzip) {
  Start(false);
  const Response r = Get(port_, "/metrics", "Accept-Encoding: gzip, deflate\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Encoding: gzip"), std::string::npos);
  EXPECT_NE(r.headers.find("Content-Length: " + std::to_string(r.body.size()) + "\r\n"),
            std::string::npos)
      << r.headers;
  EXPECT_EQ(Gunzip(r.body), "# HELP up test\n# TYPE up gauge\nup 1\n");

  const Response refused = Get(port_, "/metrics", "Accept-Encoding: gzip;q=0\r\n");
  EXPECT_EQ(refused.headers.find("Content-Encoding: gzip"), std::string::npos);
}

// A large exposition is streamed, never held whole: chunked over HTTP/1.1.
TEST_F(ServerTest, StreamsALargeExpositionInChunks) {
  SetExposition(BigExposition(40));  // 2.5 MiB
  Start(false);
  const Response r = Get(port_, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Transfer-Encoding: chunked"), std::string::npos) << r.headers;
  EXPECT_EQ(r.headers.find("Content-Length"), std::string::npos) << r.headers;
  EXPECT_EQ(Dechunk(r.body), *Exposition());
  EXPECT_EQ(pieces_sent_, 40);
}

TEST_F(ServerTest, StreamsALargeExpositionAsOneGzipMember) {
  SetExposition(BigExposition(80));  // 5 MiB, several compressed pieces
  Start(false);
  const Response r = Get(port_, "/metrics", "Accept-Encoding: gzip\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Content-Encoding: gzip"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Transfer-Encoding: chunked"), std::string::npos) << r.headers;
  const std::string gz = Dechunk(r.body);
  EXPECT_LT(gz.size(), Exposition()->size() / 3);
  EXPECT_EQ(Gunzip(gz), *Exposition());
}

// HTTP/1.0 has no chunked coding: the body ends where the connection closes.
TEST_F(ServerTest, StreamsToAnHttp10ClientUntilClose) {
  SetExposition(BigExposition(20));
  Start(false);
  const Response r = Request(port_, "GET /metrics HTTP/1.0\r\n\r\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.find("Transfer-Encoding"), std::string::npos) << r.headers;
  EXPECT_EQ(r.headers.find("Content-Length"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("Connection: close"), std::string::npos) << r.headers;
  EXPECT_EQ(r.body, *Exposition());
}

// After a streamed answer the connection is still in step: a second request
// on it gets its own answer.
TEST_F(ServerTest, KeepAliveSurvivesAStreamedAnswer) {
  SetExposition(BigExposition(10));
  Start(false);
  Connection connection(port_);
  ASSERT_TRUE(connection.Send(kKeepAliveScrape));
  ASSERT_TRUE(connection.ReadUntil(kChunkedEnd))
      << "connection ended before the end of the chunked body";
  const Response first = ParseResponse(connection.TakeReceived());
  EXPECT_EQ(Dechunk(first.body), *Exposition());
  ASSERT_TRUE(connection.Send("GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  connection.ReadUntilClosed();
  const std::string rest = connection.TakeReceived();
  EXPECT_EQ(rest.rfind("HTTP/1.1 200", 0), 0u) << rest.substr(0, 200);
  EXPECT_NE(rest.find("WireGuard Exporter is Healthy."), std::string::npos);
}

// A client that hangs up mid-answer stops the scrape's rendering: the rest
// of the exposition is never produced. The server goes on serving.
TEST_F(ServerTest, ClientHangingUpStopsTheStream) {
  SetExposition(BigExposition(2000));  // 125 MiB: far more than socket buffers hold
  Start(false);
  Connection connection(port_);
  ASSERT_TRUE(connection.Send(kKeepAliveScrape));
  ASSERT_GT(connection.ReadOnce(), 0);
  connection.Close();
  for (int i = 0; i < 500 && !stopped_; ++i) usleep(10'000);
  EXPECT_TRUE(stopped_) << "the scrape went on after the client left";
  EXPECT_LT(pieces_sent_, 2000);
  SetExposition("up 1\n");
  const Response after = Get(port_, "/metrics");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "up 1\n");
}

// A scrape that fails before a byte of it was sent is a 500.
TEST_F(ServerTest, AScrapeFailingBeforeItsFirstByteIsA500) {
  StartFailingAfter(20, 0);
  EXPECT_EQ(Get(port_, "/metrics").status, 500);
}

// One that fails midway ends without the chunked body's end, so the client
// sees a cut answer, never a complete-looking one.
TEST_F(ServerTest, AScrapeFailingMidStreamLeavesTheChunkedBodyUnended) {
  StartFailingAfter(20, kPiecesPastHeldBytes);
  const Response late = Get(port_, "/metrics");
  EXPECT_EQ(late.status, 200);
  EXPECT_NE(late.headers.find("Transfer-Encoding: chunked"), std::string::npos) << late.headers;
  EXPECT_FALSE(ParseChunked(late.body).ended) << "the cut body was ended";
  EXPECT_LT(late.body.size(), Exposition()->size());
}

// Even when the client would keep the connection, the server closes it
// after a cut answer (the read ends, not the 5 s receive timeout).
TEST_F(ServerTest, AScrapeFailingMidStreamClosesAKeptAliveConnection) {
  StartFailingAfter(20, kPiecesPastHeldBytes);
  Connection connection(port_);
  ASSERT_TRUE(connection.Send(kKeepAliveScrape));
  EXPECT_TRUE(connection.ReadUntilClosed()) << "the connection stayed open after a cut answer";
}

TEST_F(ServerTest, AGzippedScrapeFailingMidStreamLeavesTheChunkedBodyUnended) {
  // 6.4 MiB before the failure: even compressed, more than is held back.
  StartFailingAfter(200, 100);
  const Response gzipped = Get(port_, "/metrics", "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(gzipped.status, 200);
  EXPECT_NE(gzipped.headers.find("Transfer-Encoding: chunked"), std::string::npos)
      << gzipped.headers;
  EXPECT_FALSE(ParseChunked(gzipped.body).ended) << "the cut body was ended";
}

TEST_F(ServerTest, AScrapeAfterAFailedOneIsWhole) {
  StartFailingAfter(20, kPiecesPastHeldBytes);
  EXPECT_FALSE(ParseChunked(Get(port_, "/metrics").body).ended);
  fail_after_pieces_ = -1;
  const Response after = Get(port_, "/metrics");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(Dechunk(after.body), *Exposition());
}

// An exception from the scrape before a byte of it was sent is a 500.
TEST_F(ServerTest, AScrapeThrowingBeforeItsFirstByteIsA500) {
  collect_ = [](const ExpositionSink&) -> bool { throw std::bad_alloc(); };
  Start(false);
  EXPECT_EQ(Get(port_, "/metrics").status, 500);
}

// Once the answer is streaming, an exception from the scrape cuts it like
// any other failure: no second answer (a 500) may follow the 200 whose
// headers are already out.
TEST_F(ServerTest, AScrapeThrowingMidStreamIsCutNotAnsweredTwice) {
  collect_ = [](const ExpositionSink& sink) -> bool {
    // 320 KiB in one piece: more than is held back, so streaming begins.
    if (!sink(BigExposition(5))) return false;
    throw std::bad_alloc();
  };
  Start(false);
  Connection connection(port_);
  ASSERT_TRUE(connection.Send(kKeepAliveScrape));
  EXPECT_TRUE(connection.ReadUntilClosed()) << "the connection stayed open after a cut answer";
  const Response r = ParseResponse(connection.TakeReceived());
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("Transfer-Encoding: chunked"), std::string::npos) << r.headers;
  EXPECT_FALSE(ParseChunked(r.body).ended) << "the cut body was ended";
  EXPECT_EQ(r.body.find("Internal Server Error"), std::string::npos) << "a 500 followed the 200";
}

// While as many scrapes run as --web.max-requests allows, one more is
// refused; those running are not, and each gets its answer.
TEST_F(ServerTest, AScrapeBeyondTheLimitIsRefused) {
  constexpr int kLimit = 3;
  options_.max_requests = kLimit;
  collect_ = [this](const ExpositionSink& sink) {
    gate_.Pass();
    return sink("up 1\n");
  };
  Start(false);
  std::vector<std::future<Response>> running;
  for (int i = 0; i < kLimit; ++i) {
    running.push_back(std::async(std::launch::async, [this] { return Get(port_, "/metrics"); }));
  }
  // No ASSERT until the gate opens: the running scrapes must be let go.
  EXPECT_TRUE(gate_.AwaitWaiting(kLimit)) << "a scrape within the limit did not run";
  const Response refused = Get(port_, "/metrics");
  gate_.Open();
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("--web.max-requests=3"), std::string::npos) << refused.body;
  for (auto& scrape : running) {
    const Response r = scrape.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "up 1\n");
  }
}

// The landing page reads the interfaces live, as a scrape does, and counts
// against --web.max-requests: with every place taken it is still served,
// saying it could not read them.
TEST_F(ServerTest, LandingPageShowsALiveReadWithinTheScrapeLimit) {
  options_.max_requests = 1;
  options_.config_file = "/etc/x/exporter.yml";
  std::atomic<int> summaries{0};
  summarize_ = [&summaries] {
    ++summaries;
    ScrapeSummary summary;
    InterfaceSummary wg0;
    wg0.name = "wg0";
    wg0.up = true;
    wg0.implementation = "kernel";
    wg0.peers = 4;
    wg0.peers_online = 3;
    summary.interfaces = {wg0};
    summary.namespaces = {NamespaceSummary{"", true, 1, ""}};
    return summary;
  };
  collect_ = [this](const ExpositionSink& sink) {
    gate_.Pass();
    return sink("up 1\n");
  };
  Start(false);
  const Response page = Get(port_, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.headers.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.body.find("<td>wg0</td><td class=\"up\">up</td><td>kernel</td>"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("<code>/etc/x/exporter.yml</code>"), std::string::npos);
  EXPECT_EQ(summaries.load(), 1);

  auto running = std::async(std::launch::async, [this] { return Get(port_, "/metrics"); });
  EXPECT_TRUE(gate_.AwaitWaiting(1));
  const Response busy = Get(port_, "/");
  gate_.Open();
  EXPECT_EQ(busy.status, 200);
  EXPECT_NE(busy.body.find("id=\"not-read\""), std::string::npos) << busy.body;
  EXPECT_EQ(summaries.load(), 1);
  EXPECT_EQ(running.get().status, 200);
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
  const Response post = Post(port_, "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_EQ(Get(port_, "/-/reload").status, 405);
  const Response head =
      Request(port_, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_NE(head.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
}

// The Accept header picks the format; the Content-Type names it, for GET and
// HEAD alike, and caches are told the answer varies with it.
TEST_F(ServerTest, AcceptHeaderPicksTheFormat) {
  Start(false);
  const std::string prometheus2 =
      "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
      "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n";
  const Response open_metrics = Get(port_, "/metrics", prometheus2);
  EXPECT_EQ(open_metrics.status, 200);
  EXPECT_NE(open_metrics.headers.find(
                "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
            std::string::npos)
      << open_metrics.headers;
  EXPECT_NE(open_metrics.headers.find("Vary: Accept, Accept-Encoding"), std::string::npos);
  EXPECT_EQ(last_format_.load(), ExpositionFormat::kOpenMetrics);

  const Response curl = Get(port_, "/metrics", "Accept: */*\r\n");
  EXPECT_NE(curl.headers.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            std::string::npos)
      << curl.headers;
  EXPECT_EQ(last_format_.load(), ExpositionFormat::kText);

  const Response head = Request(
      port_, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + prometheus2 + "\r\n");
  EXPECT_EQ(head.status, 200);
  EXPECT_NE(head.headers.find("Content-Type: application/openmetrics-text; version=1.0.0"),
            std::string::npos)
      << head.headers;
  EXPECT_EQ(scrapes_, 2);
}

TEST_F(ServerTest, ReloadNeedsLifecycleFlag) {
  Start(false);
  EXPECT_EQ(Post(port_, "/-/reload").status, 403);
  EXPECT_EQ(reloads_, 0);
}

TEST_F(ServerTest, ReloadReportsSuccessAndFailure) {
  Start(true);
  EXPECT_EQ(Post(port_, "/-/reload").status, 200);
  fail_reload_ = true;
  const Response failed = Post(port_, "/-/reload");
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find("c.yml:3:4: bad"), std::string::npos);
  EXPECT_EQ(reloads_, 2);
}

TEST_F(ServerTest, BasicAuthGuardsEveryEndpointButExemptOnes) {
  const testing::TempDir dir;
  const std::string path = dir.Path("web.yml");
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
}

TEST_F(ServerTest, AddressInUseIsAnErrorNotACrash) {
  Start(false);
  WebAuth auth(std::nullopt);
  ServerOptions options;
  options.listening_ports = "127.0.0.1:" + std::to_string(port_);
  HttpServer second(options,
                    ServerHandlers{[](ExpositionFormat, const ExpositionSink&) { return true; },
                                   [] { return std::optional<ConfigError>(); },
                                   {}},
                    auth);
  auto error = second.Start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("cannot listen on 127.0.0.1:" + std::to_string(port_)), std::string::npos)
      << *error;
}

}  // namespace
}  // namespace wgx
