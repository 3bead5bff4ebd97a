#include "exporter/wireguard/uapi_parser.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>

#include "exporter/wireguard/errno_text.h"
#include "exporter/wireguard/uapi_fields.h"

namespace wgx {
namespace {

using uapi::Classify;
using uapi::Field;

// Keys are lower-case identifiers; anything else means the line is not UAPI
// at all (binary garbage, a different protocol), even if it contains '='.
bool IsWellFormedKey(std::string_view key) {
  if (key.empty()) return false;
  for (const char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Hex digit values, 0xff for anything else. A table lookup per digit keeps
// key decoding (two keys per peer) off the top of the profile.
constexpr std::array<std::uint8_t, 256> kHexValues = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(0xff);
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<std::uint8_t>(10 + i);
    table['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return table;
}();

// Exactly 64 hex digits into `key`. On failure `key` may hold a partial
// decode; callers holding secrets wipe it either way.
bool DecodeHexKey(std::string_view text, Key& key) {
  if (text.size() != 2 * kKeyLength) return false;
  std::uint8_t invalid = 0;
  for (std::size_t i = 0; i < kKeyLength; ++i) {
    const std::uint8_t high = kHexValues[static_cast<unsigned char>(text[2 * i])];
    const std::uint8_t low = kHexValues[static_cast<unsigned char>(text[2 * i + 1])];
    invalid |= high | low;  // any 0xff sets the high bits
    key.bytes[i] = static_cast<std::uint8_t>((high << 4) | (low & 0x0f));
  }
  return (invalid & 0xf0) == 0;
}

// Digits only, no sign, no spaces, within [0, max].
bool ParseNumber(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value > max) return false;
  out = value;
  return true;
}

// amneziawg-go writes its ranges as "lo-hi", or one number when lo == hi.
bool ParseRange(std::string_view text, std::uint64_t max, ValueRange& out) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseNumber(text, max, out.low)) return false;
    out.high = out.low;
    return true;
  }
  return ParseNumber(text.substr(0, dash), max, out.low) &&
         ParseNumber(text.substr(dash + 1), max, out.high) && out.low <= out.high;
}

bool ParseAllowedIp(std::string_view text, AllowedIp& out) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view address = text.substr(0, slash);
  // inet_pton wants a NUL-terminated string; copy into a stack buffer
  // rather than allocating.
  char buffer[INET6_ADDRSTRLEN];
  if (address.empty() || address.size() >= sizeof buffer) return false;
  std::memcpy(buffer, address.data(), address.size());
  buffer[address.size()] = '\0';
  const bool is_v6 = address.find(':') != std::string_view::npos;
  out.family = is_v6 ? AF_INET6 : AF_INET;
  out.address = {};
  if (inet_pton(out.family, buffer, out.address.data()) != 1) return false;
  std::uint64_t cidr = 0;
  if (!ParseNumber(text.substr(slash + 1), is_v6 ? 128 : 32, cidr)) return false;
  out.cidr = static_cast<std::uint8_t>(cidr);
  return true;
}

// "host:port" or "[host]:port", printable ASCII without spaces. The text is
// kept as the implementation wrote it; this only rejects what cannot be one.
bool IsPlausibleEndpoint(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  std::string_view port;
  if (text[0] == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return false;
    }
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    port = text.substr(colon + 1);
  }
  std::uint64_t ignored = 0;
  return ParseNumber(port, std::numeric_limits<std::uint16_t>::max(), ignored);
}

// wireguard-go writes at least ~300 bytes per peer (public and preshared key,
// protocol version, handshake time, counters, keepalive), so this reserves
// once for the whole answer instead of doubling about seventeen times on a
// 100,000-peer device, without a separate counting pass over the text.
constexpr std::size_t kMinBytesPerTypicalPeer = 256;
// Wipes a decoded secret when it leaves scope, whatever path leaves it.
class WipeOnExit {
 public:
  explicit WipeOnExit(Key& key) : key_(key) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { SecureWipe(key_.bytes.data(), key_.bytes.size()); }

 private:
  Key& key_;
};

class Parser {
 public:
  Parser(std::string_view answer, std::string_view interface_name) : answer_(answer) {
    device_.name.assign(interface_name);
    device_.implementation = Implementation::kUserspace;
  }

  UapiParseResult Run() {
    device_.peers.reserve(answer_.size() / kMinBytesPerTypicalPeer);
    std::size_t pos = 0;
    while (true) {
      ++line_number_;
      if (pos >= answer_.size()) {
        return Fail(pos == 0 ? "the answer is empty"
                             : "the answer ends without its terminating empty line");
      }
      const void* newline = std::memchr(answer_.data() + pos, '\n', answer_.size() - pos);
      if (newline == nullptr) return Fail("the line has no newline (answer truncated)");
      const std::size_t line_end = static_cast<const char*>(newline) - answer_.data();
      const std::string_view line = answer_.substr(pos, line_end - pos);
      pos = line_end + 1;

      if (line.empty()) return Finish(pos);
      if (!ParseLine(line)) return TakeError();
    }
  }

 private:
  bool ParseLine(std::string_view line) {
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) return Error("expected key=value");
    const std::string_view key = line.substr(0, equals);
    const std::string_view value = line.substr(equals + 1);
    const Field field = Classify(key);
    switch (field) {
      case Field::kUnknown:
        // Forward compatible: newer implementations may add keys.
        if (!IsWellFormedKey(key)) return Error("expected key=value");
        return true;
      case Field::kErrno: {
        std::uint64_t number = 0;
        if (!ParseNumber(value, std::numeric_limits<std::int32_t>::max(), number)) {
          return Error("errno is not a number");
        }
        errno_value_ = static_cast<int>(number);
        saw_errno_ = true;
        return true;
      }
      case Field::kPublicKey: {
        Key public_key;
        if (!DecodeHexKey(value, public_key)) return Error("public_key is not 64 hex digits");
        peer_ = &device_.peers.emplace_back();
        peer_->public_key = public_key;
        return true;
      }
      case Field::kPrivateKey:
      case Field::kListenPort:
      case Field::kFwmark:
      case Field::kOwnPublicKey:
      case Field::kJunkCount:
      case Field::kJunkMin:
      case Field::kJunkMax:
      case Field::kPadding:
      case Field::kHeader:
        if (peer_ != nullptr) return Error(std::string(key) + " after the first peer");
        return ParseDeviceField(field, key, value);
      case Field::kAmneziaOther:
        if (peer_ != nullptr) return Error(std::string(key) + " after the first peer");
        Amnezia();
        return true;
      default:
        if (peer_ == nullptr) return Error(std::string(key) + " before any public_key");
        return ParsePeerField(field, value);
    }
  }

  AmneziaParameters& Amnezia() {
    device_.protocol = Protocol::kAmneziaWg;
    if (!device_.amnezia) device_.amnezia.emplace();
    return *device_.amnezia;
  }

  bool ParseDeviceField(Field field, std::string_view key, std::string_view value) {
    constexpr std::uint64_t kUint32Max = std::numeric_limits<std::uint32_t>::max();
    std::uint64_t number = 0;
    switch (field) {
      case Field::kOwnPublicKey: {
        Key public_key;
        if (!DecodeHexKey(value, public_key)) return Error("own_public_key is not 64 hex digits");
        if (public_key.IsZero()) {
          device_.public_key.reset();
        } else {
          device_.public_key = public_key;
        }
        elapsed_handshakes_ = true;
        return true;
      }
      case Field::kJunkCount:
      case Field::kJunkMin:
      case Field::kJunkMax:
      case Field::kPadding: {
        if (!ParseNumber(value, kUint32Max, number)) {
          return Error(std::string(key) + " is not a number in 0..4294967295");
        }
        AmneziaParameters& amnezia = Amnezia();
        const auto narrow = static_cast<std::uint32_t>(number);
        if (field == Field::kJunkCount) amnezia.junk_count = narrow;
        if (field == Field::kJunkMin) amnezia.junk_min = narrow;
        if (field == Field::kJunkMax) amnezia.junk_max = narrow;
        if (field == Field::kPadding) amnezia.padding[key[1] - '1'] = narrow;
        return true;
      }
      case Field::kHeader: {
        ValueRange range;
        if (!ParseRange(value, kUint32Max, range)) {
          return Error(std::string(key) + " is not a number or a range lo-hi in 0..4294967295");
        }
        Amnezia().headers[key[1] - '1'] = range;
        return true;
      }
      case Field::kPrivateKey: {
        Key private_key;
        const WipeOnExit wipe(private_key);
        if (!DecodeHexKey(value, private_key)) return Error("private_key is not 64 hex digits");
        // An all-zero key means "no key"; PublicKeyFromPrivate says so.
        device_.public_key = PublicKeyFromPrivate(private_key);
        return true;
      }
      case Field::kListenPort:
        if (!ParseNumber(value, std::numeric_limits<std::uint16_t>::max(), number)) {
          return Error("listen_port is not a number in 0..65535");
        }
        device_.listen_port = static_cast<std::uint16_t>(number);
        return true;
      case Field::kFwmark:
        if (!ParseNumber(value, std::numeric_limits<std::uint32_t>::max(), number)) {
          return Error("fwmark is not a number in 0..4294967295");
        }
        device_.fwmark = static_cast<std::uint32_t>(number);
        return true;
      default:
        return Error("internal: not a device field");
    }
  }

  // Inlined into ParseLine as it was before the dialects made it larger: one
  // switch per line, not a call and a second switch.
  [[gnu::always_inline]] bool ParsePeerField(Field field, std::string_view value) {
    constexpr std::uint64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
    std::uint64_t number = 0;
    switch (field) {
      case Field::kPresharedKey: {
        Key preshared;
        const WipeOnExit wipe(preshared);
        if (!DecodeHexKey(value, preshared)) return Error("preshared_key is not 64 hex digits");
        // Implementations write all zeros for "no preshared key".
        peer_->has_preshared_key = !preshared.IsZero();
        return true;
      }
      case Field::kProtocolVersion:
        if (!ParseNumber(value, std::numeric_limits<std::uint32_t>::max(), number)) {
          return Error("protocol_version is not a number");
        }
        // The meaning of every other field is defined by version 1; a later
        // version could change it, so refuse rather than misreport.
        if (number != 1) return Error("unsupported protocol_version " + std::to_string(number));
        return true;
      case Field::kEndpoint:
        if (!IsPlausibleEndpoint(value)) return Error("endpoint is not host:port");
        peer_->endpoint.assign(value);
        return true;
      case Field::kLastHandshakeSec:
        if (!ParseNumber(value, kInt64Max, number)) {
          return Error("last_handshake_time_sec is not a number");
        }
        peer_->last_handshake_seconds = static_cast<std::int64_t>(number);
        peer_->handshake_elapsed = elapsed_handshakes_;
        return true;
      case Field::kLastHandshakeNsec:
        if (!ParseNumber(value, 999'999'999, number)) {
          return Error("last_handshake_time_nsec is not a number in 0..999999999");
        }
        peer_->last_handshake_nanoseconds = static_cast<std::int64_t>(number);
        return true;
      case Field::kRxBytes:
        if (!ParseNumber(value, std::numeric_limits<std::uint64_t>::max(), number)) {
          return Error("rx_bytes is not a number");
        }
        peer_->receive_bytes = number;
        return true;
      case Field::kTxBytes:
        if (!ParseNumber(value, std::numeric_limits<std::uint64_t>::max(), number)) {
          return Error("tx_bytes is not a number");
        }
        peer_->transmit_bytes = number;
        return true;
      case Field::kPersistentKeepalive: {
        // amneziawg-go may give a range ("20-30"); the longest interval is
        // the one that bounds a handshake's age.
        ValueRange range;
        if (!ParseRange(value, std::numeric_limits<std::uint16_t>::max(), range)) {
          return Error("persistent_keepalive_interval is not a number in 0..65535");
        }
        peer_->persistent_keepalive_interval = static_cast<std::uint16_t>(range.high);
        return true;
      }
      case Field::kAllowedIp: {
        AllowedIp allowed_ip;
        if (!ParseAllowedIp(value, allowed_ip)) return Error("allowed_ip is not address/cidr");
        peer_->allowed_ips.push_back(allowed_ip);
        return true;
      }
      default:
        return Error("internal: not a peer field");
    }
  }

  UapiParseResult Finish(std::size_t end_of_terminator) {
    if (end_of_terminator != answer_.size()) {
      return Fail("unexpected data after the terminating empty line");
    }
    if (!saw_errno_) return Fail("the answer ends without an errno line");
    if (errno_value_ != 0) {
      UapiParseResult result;
      result.error = "the implementation answered errno=" + std::to_string(errno_value_);
      if (const auto description = ErrnoDescription(errno_value_)) {
        result.error += " (";
        result.error += *description;
        result.error += ')';
      }
      return result;
    }
    UapiParseResult result;
    result.device = std::move(device_);
    return result;
  }

  bool Error(std::string message) {
    error_ = std::move(message);
    return false;
  }

  UapiParseResult TakeError() const { return Fail(error_); }

  UapiParseResult Fail(const std::string& message) const {
    UapiParseResult result;
    result.error = "parse error at line " + std::to_string(line_number_) + ": " + message;
    return result;
  }

  std::string_view answer_;
  Device device_;
  Peer* peer_ = nullptr;  // the peer the current lines belong to
  std::size_t line_number_ = 0;
  bool saw_errno_ = false;
  int errno_value_ = 0;
  // boringtun's dialect: its handshake times are the time since the handshake.
  bool elapsed_handshakes_ = false;
  std::string error_;
};

}  // namespace

UapiParseResult ParseUapiGet(std::string_view answer, std::string_view interface_name) {
  try {
    return Parser(answer, interface_name).Run();
  } catch (const std::exception& e) {
    // Only allocation can throw here (a huge answer on a starved machine).
    UapiParseResult result;
    result.error = std::string("parse failed: ") + e.what();
    return result;
  }
}

}  // namespace wgx
