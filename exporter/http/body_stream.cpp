#include "exporter/http/body_stream.h"

#include <civetweb.h>

#include <cstring>
#include <utility>

namespace wgx {

BodyStream::BodyStream(mg_connection* conn, HeaderWriter write_headers)
    : conn_(conn), write_headers_(std::move(write_headers)) {}

bool BodyStream::Write(std::string_view bytes) {
  if (failed_) return false;
  // An empty chunk would end a chunked body early.
  if (bytes.empty()) return true;
  if (!headers_sent_) {
    if (held_.size() + bytes.size() <= kHeldBytes) {
      held_.append(bytes);
      return true;
    }
    if (!StartStreaming()) return false;
  }
  return Send(bytes);
}

void BodyStream::Abort() {
  if (!headers_sent_ && !failed_) {
    failed_ = true;
    mg_send_http_error(conn_, 500, "%s", "Internal Server Error\n");
    return;
  }
  Fail();
}

bool BodyStream::Finish() {
  if (failed_) return false;
  bool sent = true;
  if (!headers_sent_) {
    headers_sent_ = true;
    write_headers_(held_.size(), nullptr);
    sent = held_.empty() || mg_write(conn_, held_.data(), held_.size()) > 0;
  } else if (chunked_) {
    sent = mg_send_chunk(conn_, "", 0) >= 0;
  }
  if (!sent) Fail();
  return sent;
}

bool BodyStream::StartStreaming() {
  headers_sent_ = true;
  const mg_request_info* info = mg_get_request_info(conn_);
  chunked_ = info->http_version != nullptr && std::strcmp(info->http_version, "1.0") != 0;
  if (!chunked_) mg_disable_connection_keep_alive(conn_);
  write_headers_(std::nullopt, chunked_ ? "Transfer-Encoding: chunked" : nullptr);
  const bool sent = held_.empty() || Send(held_);
  std::string().swap(held_);
  return sent;
}

bool BodyStream::Send(std::string_view bytes) {
  const int n = chunked_ ? mg_send_chunk(conn_, bytes.data(), static_cast<unsigned>(bytes.size()))
                         : mg_write(conn_, bytes.data(), bytes.size());
  if (n <= 0) Fail();
  return n > 0;
}

void BodyStream::Fail() {
  failed_ = true;
  mg_disable_connection_keep_alive(conn_);
}

}  // namespace wgx
