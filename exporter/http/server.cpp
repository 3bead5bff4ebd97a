#include "exporter/http/server.h"

#include <civetweb.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "exporter/http/body_stream.h"
#include "exporter/http/gzip_stream.h"
#include "exporter/http/landing_page.h"
#include "exporter/http/negotiate.h"
#include "exporter/http/tls_server.h"

namespace wgx {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";

// True when the Accept-Encoding header lists gzip (or *) with a non-zero q.
bool AcceptsGzip(const char* accept_encoding) {
  if (accept_encoding == nullptr) return false;
  std::string_view value(accept_encoding);
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const std::size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    const std::size_t q = item.find("q=", semi);
    if (q == std::string_view::npos) return true;
    return std::strtod(std::string(item.substr(q + 2)).c_str(), nullptr) > 0;
  }
  return false;
}

// An HTTP Date header value for `t`, e.g. "Tue, 01 Dec 2026 23:01:20 GMT".
std::string HttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return {text, n};
}

// Logs the exception being handled; for use in a catch block only.
void LogCurrentException(const char* what_failed) {
  try {
    throw;
  } catch (const std::exception& e) {
    spdlog::error("http: {} failed: {}", what_failed, e.what());
  } catch (...) {
    spdlog::error("http: {} failed with an unknown error", what_failed);
  }
}

// Runs one scrape into `body`, compressed or not. False when the scrape or
// its compression failed or the client went away; the body is then unfinished.
bool StreamScrape(const CollectHandler& collect, ExpositionFormat format, bool gzip,
                  BodyStream& body) {
  const ExpositionSink to_body = [&body](std::string_view bytes) { return body.Write(bytes); };
  if (!gzip) return collect(format, to_body) && body.Finish();
  GzipStream compressed(to_body);
  const ExpositionSink to_gzip = [&compressed](std::string_view text) {
    return compressed.Write(text);
  };
  return collect(format, to_gzip) && compressed.Finish() && body.Finish();
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, ServerHandlers handlers, WebAuth& auth)
    : options_(std::move(options)),
      handlers_(std::move(handlers)),
      auth_(auth),
      scrape_limit_(options_.max_requests) {}

HttpServer::~HttpServer() { Stop(); }

std::optional<std::string> HttpServer::Start() {
  const bool tls = auth_.TlsEnabled();
  // Before anything of civetweb's touches OpenSSL (see tls_server.h).
  if (tls) {
    if (auto error = PrepareCivetwebTls(options_.tls_library_dir)) {
      return "cannot serve TLS: " + *error;
    }
  }
  mg_init_library(0);
  // civetweb marks a TLS port with a trailing "s".
  const std::string ports = options_.listening_ports + (tls ? "s" : "");
  const std::string threads = std::to_string(options_.threads);
  const std::string timeout = std::to_string(options_.request_timeout_ms);
  const char* civet_options[] = {"listening_ports", ports.c_str(), "num_threads", threads.c_str(),
                                 "request_timeout_ms", timeout.c_str(), "linger_timeout_ms", "1000",
                                 "enable_keep_alive", "yes", "keep_alive_timeout_ms", "30000",
                                 "max_request_size", "16384", "enable_directory_listing", "no",
                                 "decode_url", "yes",
                                 // A streamed body is written as a chunk-size
                                 // line, the data and a CRLF: without this,
                                 // Nagle's algorithm holds the small writes
                                 // back until the client acknowledges.
                                 "tcp_nodelay", "1", nullptr};
  mg_callbacks callbacks{};
  // civetweb's own log lines go through spdlog, without the noise of
  // clients that hang up.
  callbacks.log_message = [](const mg_connection*, const char* message) {
    spdlog::debug("http: {}", message);
    return 1;
  };
  if (tls) {
    callbacks.init_ssl = [](void* ssl_ctx, void* self) {
      return ConfigureSslContext(ssl_ctx, static_cast<HttpServer*>(self)->auth_);
    };
  }
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = civet_options;
  char error_text[256] = {0};
  unsigned error_code = 0;
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  ctx_ = mg_start2(&init, &error);
  if (ctx_ == nullptr) {
    return std::string("cannot listen on ") + options_.listening_ports + ": " +
           (error_text[0] != 0 ? error_text : "unknown error");
  }
  mg_set_request_handler(ctx_, "**", &HttpServer::Dispatch, this);
  return std::nullopt;
}

void HttpServer::Stop() {
  if (ctx_ != nullptr) {
    mg_stop(ctx_);
    ctx_ = nullptr;
  }
}

int HttpServer::BoundPort() const {
  if (ctx_ == nullptr) return 0;
  mg_server_port ports[4];
  const int n = mg_get_server_ports(ctx_, 4, ports);
  return n > 0 ? ports[0].port : 0;
}

int HttpServer::Dispatch(mg_connection* conn, void* self) {
  // No exception may cross back into civetweb's C code. A scrape deals with
  // its own, as its answer may be streaming already; any other answer is
  // sent only once it is whole, so what fails here failed before a byte of
  // it went out, and a 500 is still honest.
  try {
    return static_cast<HttpServer*>(self)->Handle(conn);
  } catch (...) {
    LogCurrentException("request");
  }
  mg_send_http_error(conn, 500, "%s", "Internal Server Error\n");
  return 500;
}

void HttpServer::SendHeaders(mg_connection* conn, int status, const char* content_type,
                             std::optional<std::size_t> content_length, const char* extra_header,
                             const char* framing_header) {
  // Everything that may throw comes before the answer has begun.
  const std::string length = content_length ? std::to_string(*content_length) : std::string();
  const auto configured_headers = auth_.Headers();
  // Left to civetweb (built without REENTRANT_TIME), the date would be
  // formatted through gmtime()'s one static result, which answers sent at
  // the same time on other workers share.
  const std::string date = HttpDate(std::time(nullptr));
  mg_response_header_start(conn, status);
  mg_response_header_add(conn, "Date", date.c_str(), -1);
  mg_response_header_add(conn, "Content-Type", content_type, -1);
  if (content_length) mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  if (framing_header != nullptr) mg_response_header_add_lines(conn, framing_header);
  if (extra_header != nullptr) mg_response_header_add_lines(conn, extra_header);
  for (const auto& [name, value] : configured_headers) {
    mg_response_header_add(conn, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(conn);
}

void HttpServer::Send(mg_connection* conn, int status, const char* content_type,
                      std::string_view body, const char* extra_header) {
  SendHeaders(conn, status, content_type, body.size(), extra_header);
  const mg_request_info* info = mg_get_request_info(conn);
  if (std::strcmp(info->request_method, "HEAD") != 0 && !body.empty()) {
    mg_write(conn, body.data(), body.size());
  }
}

int HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* info = mg_get_request_info(conn);
  const std::string_view method = info->request_method;
  const std::string_view path = info->local_uri != nullptr ? info->local_uri : "";
  const bool is_get = method == "GET" || method == "HEAD";

  // No endpoint reads a request body. Keeping such a connection alive would
  // make civetweb drain the body first, on this worker thread, for as long as
  // the client keeps sending: a handful of endless bodies would hold every
  // thread. Closing after the answer bounds that to the linger timeout.
  if (info->content_length > 0 || mg_get_header(conn, "Transfer-Encoding") != nullptr) {
    mg_disable_connection_keep_alive(conn);
  }

  if (auth_.Check(path, mg_get_header(conn, "Authorization")) == WebAuth::Decision::kDeny) {
    Send(conn, 401, kTextPlain, "Unauthorized\n",
         "WWW-Authenticate: Basic realm=\"wireguard_exporter\"");
    return 401;
  }
  auto method_not_allowed = [&](const char* allow) {
    const std::string header = std::string("Allow: ") + allow;
    Send(conn, 405, kTextPlain, "Method Not Allowed\n", header.c_str());
    return 405;
  };

  if (path == options_.telemetry_path) {
    if (!is_get) return method_not_allowed("GET, HEAD");
    ServeMetrics(conn, method == "HEAD");
    return 200;
  }
  if (path == "/") {
    if (!is_get) return method_not_allowed("GET, HEAD");
    ServeLandingPage(conn);
    return 200;
  }
  if (path == "/-/healthy" || path == "/-/ready") {
    if (!is_get) return method_not_allowed("GET, HEAD");
    Send(conn, 200, kTextPlain,
         path == "/-/healthy" ? "WireGuard Exporter is Healthy.\n"
                              : "WireGuard Exporter is Ready.\n");
    return 200;
  }
  if (path == "/-/reload") {
    if (method != "POST" && method != "PUT") return method_not_allowed("POST, PUT");
    if (!options_.enable_lifecycle) {
      Send(conn, 403, kTextPlain, "Lifecycle API is not enabled.\n");
      return 403;
    }
    if (auto error = handlers_.reload()) {
      Send(conn, 500, kTextPlain, "failed to reload config: " + error->ToString() + "\n");
      return 500;
    }
    Send(conn, 200, kTextPlain, "");
    return 200;
  }
  Send(conn, 404, kTextPlain, "Not Found\n");
  return 404;
}

void HttpServer::ServeMetrics(mg_connection* conn, bool head) {
  const ScrapeLimit::Place place = scrape_limit_.Enter();
  if (!place.admitted()) {
    Send(conn, 503, kTextPlain,
         "Too many concurrent scrapes; limit is --web.max-requests=" +
             std::to_string(scrape_limit_.max_scrapes()) + "\n");
    return;
  }
  const bool gzip = AcceptsGzip(mg_get_header(conn, "Accept-Encoding"));
  const ExpositionFormat format = NegotiateFormat(mg_get_header(conn, "Accept"));
  const char* content_type = ContentType(format);
  const char* headers = gzip ? "Content-Encoding: gzip\r\nVary: Accept, Accept-Encoding"
                             : "Vary: Accept, Accept-Encoding";
  if (head) {
    // The same headers as a GET, without the cost of a scrape.
    SendHeaders(conn, 200, content_type, std::nullopt, headers);
    return;
  }
  BodyStream body(conn, [&](std::optional<std::size_t> content_length, const char* framing) {
    SendHeaders(conn, 200, content_type, content_length, headers, framing);
  });
  bool complete = false;
  try {
    complete = StreamScrape(handlers_.collect, format, gzip, body);
  } catch (...) {
    // Perhaps after the headers went out: only the body can still end this
    // answer honestly, like any other failed scrape.
    LogCurrentException("scrape");
  }
  if (!complete) body.Abort();
}

void HttpServer::ServeLandingPage(mg_connection* conn) {
  const LandingPageInfo info{options_.version, options_.revision, options_.telemetry_path,
                             options_.config_file};
  std::optional<ScrapeSummary> summary;
  const bool head = std::strcmp(mg_get_request_info(conn)->request_method, "HEAD") == 0;
  if (handlers_.summarize && !head) {
    // Reading the interfaces costs what a scrape costs, and counts as one.
    const ScrapeLimit::Place place = scrape_limit_.Enter();
    if (place.admitted()) summary = handlers_.summarize();
  }
  Send(conn, 200, "text/html; charset=utf-8",
       RenderLandingPage(info, summary ? &*summary : nullptr));
}

}  // namespace wgx
