// The body of an answer whose length is known only at its end.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct mg_connection;

namespace wgx {

// Sends the answer's status line and headers. `content_length` is empty when
// the body is streamed; `framing_header` (or nullptr) then says how it ends.
using HeaderWriter =
    std::function<void(std::optional<std::size_t> content_length, const char* framing_header)>;

// A body that ends within kHeldBytes goes out whole with Content-Length. A
// longer one is streamed: chunked transfer coding for HTTP/1.1, or, for
// HTTP/1.0, ended by closing the connection. So a 100,000-peer scrape never
// holds its whole (100 MB) exposition in memory.
class BodyStream {
 public:
  // The first bytes of a body are held back: a body that ends within them is
  // sent whole, with Content-Length, like any small answer. Matches the
  // collector's pieces, so the common small scrape costs one copy at most.
  static constexpr std::size_t kHeldBytes = std::size_t{256} * 1024;

  BodyStream(mg_connection* conn, HeaderWriter write_headers);

  // False when the client went away or a write failed.
  bool Write(std::string_view bytes);

  // The body cannot be completed (the exposition or its compression
  // failed): a 500 if nothing was sent yet, else the connection is closed so
  // that the client sees a cut answer and not a finished one.
  void Abort();

  // Ends the body. False when the client went away or a write failed.
  bool Finish();

 private:
  bool StartStreaming();
  bool Send(std::string_view bytes);
  // The client is gone or the body cannot be completed: the connection must
  // close, so that the client sees a cut answer and not a finished one.
  void Fail();

  mg_connection* conn_;
  HeaderWriter write_headers_;
  std::string held_;
  bool headers_sent_ = false;
  bool chunked_ = false;
  bool failed_ = false;
};

}  // namespace wgx
