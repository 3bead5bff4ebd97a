// The HTTP face of the exporter, served by civetweb: /metrics, a landing
// page, /-/healthy, /-/ready and /-/reload. All requests pass one router, so
// authentication and method checks cannot be forgotten on a new endpoint.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/config/loader.h"
#include "exporter/http/scrape_limit.h"
#include "exporter/http/web_config.h"
#include "exporter/metrics/collector.h"
#include "exporter/metrics/format.h"
#include "exporter/metrics/summary.h"

struct mg_context;
struct mg_connection;

namespace wgx {

struct ServerOptions {
  std::string listening_ports;  // civetweb syntax, see ToCivetListeningPort
  std::string telemetry_path = "/metrics";
  bool enable_lifecycle = false;
  int max_requests = 40;
  // civetweb holds one worker per open connection, idle or not: enough that
  // a few dozen slow or idle clients cannot keep a scrape waiting.
  int threads = 64;
  int request_timeout_ms = 10'000;
  std::string version;
  // Where the TLS helper libraries are (DefaultTlsLibraryDir()); used only
  // when the web config asks for TLS.
  std::string tls_library_dir;
  std::string revision;
  std::string config_file;  // for the landing page; empty: built-in defaults
};

// Scrapes and hands the exposition text in `format` to the sink piece by
// piece, in order; returns false when the sink stopped it (the client went
// away).
using CollectHandler = std::function<bool(ExpositionFormat format, const ExpositionSink& sink)>;

struct ServerHandlers {
  CollectHandler collect;                              // GET /metrics
  std::function<std::optional<ConfigError>()> reload;  // POST /-/reload
  // GET /: what a scrape made now sees; none: the page shows no live state.
  std::function<ScrapeSummary()> summarize;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, ServerHandlers handlers, WebAuth& auth);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Returns an error text (e.g. the address is in use).
  std::optional<std::string> Start();
  void Stop();
  // The port actually bound to (useful with port 0).
  int BoundPort() const;

  static int Dispatch(mg_connection* conn, void* self);

 private:
  int Handle(mg_connection* conn);
  void ServeMetrics(mg_connection* conn, bool head);
  void ServeLandingPage(mg_connection* conn);
  void Send(mg_connection* conn, int status, const char* content_type, std::string_view body,
            const char* extra_header = nullptr);
  // Content-Length is left out when `content_length` is empty.
  void SendHeaders(mg_connection* conn, int status, const char* content_type,
                   std::optional<std::size_t> content_length, const char* extra_header,
                   const char* framing_header = nullptr);

  ServerOptions options_;
  ServerHandlers handlers_;
  WebAuth& auth_;
  mg_context* ctx_ = nullptr;
  ScrapeLimit scrape_limit_;
};

}  // namespace wgx
