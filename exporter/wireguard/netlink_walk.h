// Walking the bytes of netlink answers, for the parsers in netlink_parser.cpp:
// the messages of one received buffer and the attributes inside a message,
// refusing whatever does not add up.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/key.h"
#include "exporter/wireguard/netlink_parser.h"

namespace wgx::netlink {

inline ParseError Malformed(std::string what) {
  return ParseError{EBADMSG, "malformed netlink answer: " + std::move(what)};
}

// Calls `visit(attr)` for each attribute in [payload, payload + length).
// `visit` returns false to stop with an error it has already recorded. Bytes
// left over that do not form a whole attribute make the input malformed:
// libmnl's own iteration would silently stop there.
template <typename Visit>
bool ForEachAttribute(const void* payload, std::size_t length, Visit&& visit) {
  if (length > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
  const auto* attr = static_cast<const nlattr*>(payload);
  int remaining = static_cast<int>(length);
  while (mnl_attr_ok(attr, remaining)) {
    if (!visit(attr)) return false;
    remaining -= static_cast<int>(MNL_ALIGN(attr->nla_len));
    attr = mnl_attr_next(attr);
  }
  return remaining <= 0;
}

template <typename Visit>
bool ForEachNested(const nlattr* nest, Visit&& visit) {
  return ForEachAttribute(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest),
                          std::forward<Visit>(visit));
}

inline bool HasLength(const nlattr* attr, std::size_t length) {
  return mnl_attr_get_payload_len(attr) == length;
}

inline bool Valid(const nlattr* attr, mnl_attr_data_type type) {
  return mnl_attr_validate(attr, type) == 0;
}

// A NUL-terminated string attribute, bounded by its payload.
inline std::optional<std::string_view> StringAttribute(const nlattr* attr) {
  if (!Valid(attr, MNL_TYPE_NUL_STRING)) return std::nullopt;
  const char* text = mnl_attr_get_str(attr);
  return std::string_view(text, strnlen(text, mnl_attr_get_payload_len(attr)));
}

// Notes what was malformed and returns false, to stop an attribute walk.
inline bool RecordProblem(std::string& problem, const char* what) {
  problem = what;
  return false;
}

// Netlink headers are read in place, so the bytes must be 4-aligned. Receive
// buffers always are; arbitrary spans (fuzzers, tests) are copied first.
class AlignedView {
 public:
  explicit AlignedView(std::span<std::uint8_t> bytes) : bytes_(bytes) {
    if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(nlmsghdr) != 0) {
      copy_.assign(bytes.begin(), bytes.end());
      bytes_ = std::span<std::uint8_t>(copy_);
    }
  }
  ~AlignedView() { SecureWipe(copy_.data(), copy_.size()); }
  AlignedView(const AlignedView&) = delete;
  AlignedView& operator=(const AlignedView&) = delete;

  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::span<std::uint8_t> bytes_;
  std::vector<std::uint8_t> copy_;
};

// Walks the messages of one received buffer. Control messages (errors, done,
// acknowledgements) are handled here; every other message goes to
// `parse_data`, which returns false after recording an error.
template <typename ParseData>
FeedStatus WalkMessages(std::span<std::uint8_t> received, std::uint32_t sequence, ParseError& error,
                        ParseData&& parse_data) {
  AlignedView view(received);
  std::size_t offset = 0;
  while (offset < view.size()) {
    // Checked here rather than with mnl_nlmsg_ok(), which casts the length to
    // int and so lets a length above 2 GiB through.
    const std::size_t remaining = view.size() - offset;
    const auto* message = reinterpret_cast<const nlmsghdr*>(view.data() + offset);
    if (remaining < sizeof(nlmsghdr) || message->nlmsg_len < sizeof(nlmsghdr) ||
        message->nlmsg_len > remaining) {
      error = Malformed("truncated message");
      return FeedStatus::kError;
    }
    offset += std::min<std::size_t>(MNL_ALIGN(message->nlmsg_len), remaining);
    if (sequence != 0 && message->nlmsg_seq != sequence) {
      error = Malformed("answer to another request (sequence " +
                        std::to_string(message->nlmsg_seq) + ")");
      return FeedStatus::kError;
    }
    if ((message->nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
      error = ParseError{EINTR, "the dump was interrupted by a concurrent change"};
      return FeedStatus::kError;
    }
    switch (message->nlmsg_type) {
      case NLMSG_NOOP:
        break;
      case NLMSG_ERROR: {
        if (mnl_nlmsg_get_payload_len(message) < sizeof(nlmsgerr)) {
          error = Malformed("short error message");
          return FeedStatus::kError;
        }
        const auto* answer = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(message));
        if (answer->error == 0) return FeedStatus::kDone;  // acknowledgement
        if (answer->error == std::numeric_limits<int>::min()) {
          error = Malformed("error number out of range");
          return FeedStatus::kError;
        }
        const int error_number = answer->error < 0 ? -answer->error : answer->error;
        error = ParseError{error_number, ErrnoText(error_number)};
        return FeedStatus::kError;
      }
      case NLMSG_DONE: {
        // A dump that failed part way reports its errno here.
        if (mnl_nlmsg_get_payload_len(message) >= sizeof(int)) {
          int status = 0;
          std::memcpy(&status, mnl_nlmsg_get_payload(message), sizeof status);
          if (status < 0 && status != std::numeric_limits<int>::min()) {
            error = ParseError{-status, ErrnoText(-status)};
            return FeedStatus::kError;
          }
        }
        return FeedStatus::kDone;
      }
      case NLMSG_OVERRUN:
        error = ParseError{ENOBUFS, "netlink overrun: messages were lost"};
        return FeedStatus::kError;
      default:
        if (!parse_data(message)) return FeedStatus::kError;
        break;
    }
  }
  return FeedStatus::kNeedMore;
}

}  // namespace wgx::netlink
