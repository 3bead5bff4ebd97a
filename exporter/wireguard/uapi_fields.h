// The keys of a UAPI get=1 answer, for the parser: which field a key names,
// in every dialect (wireguard-go, boringtun, amneziawg-go).
#pragma once

#include <string_view>

namespace wgx::uapi {

enum class Field {
  kUnknown,
  kPrivateKey,
  kListenPort,
  kFwmark,
  kPublicKey,
  kPresharedKey,
  kProtocolVersion,
  kEndpoint,
  kLastHandshakeSec,
  kLastHandshakeNsec,
  kTxBytes,
  kRxBytes,
  kPersistentKeepalive,
  kAllowedIp,
  kErrno,
  kOwnPublicKey,  // boringtun: the device's public key; handshake times are elapsed
  kJunkCount,     // AmneziaWG (amneziawg-go) device settings from here on
  kJunkMin,
  kJunkMax,
  kPadding,       // s1..s4
  kHeader,        // h1..h4
  kAmneziaOther,  // keys only AmneziaWG writes, not kept
};

// The field `key` names; kUnknown for keys no dialect has (or not yet).
// Dispatched on the length first: most keys are rejected by one integer
// compare. It runs once per line of every answer: always inlined (GCC keeps
// an inline function of a header out of line, which costs 6% of a parse).
[[gnu::always_inline]] inline Field Classify(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (key == "jc") return Field::kJunkCount;
      if ((key[0] == 's' || key[0] == 'h') && key[1] >= '1' && key[1] <= '4') {
        return key[0] == 's' ? Field::kPadding : Field::kHeader;
      }
      if (key[0] == 'i' && key[1] >= '1' && key[1] <= '5') return Field::kAmneziaOther;
      break;
    case 4:
      if (key == "jmin") return Field::kJunkMin;
      if (key == "jmax") return Field::kJunkMax;
      break;
    case 5:
      if (key == "errno") return Field::kErrno;
      break;
    case 6:
      if (key == "fwmark") return Field::kFwmark;
      break;
    case 8:
      if (key == "endpoint") return Field::kEndpoint;
      if (key == "rx_bytes") return Field::kRxBytes;
      if (key == "tx_bytes") return Field::kTxBytes;
      break;
    case 10:
      if (key == "public_key") return Field::kPublicKey;
      if (key == "allowed_ip") return Field::kAllowedIp;
      break;
    case 11:
      if (key == "private_key") return Field::kPrivateKey;
      if (key == "listen_port") return Field::kListenPort;
      break;
    case 13:
      if (key == "preshared_key") return Field::kPresharedKey;
      if (key == "rekey_timeout") return Field::kAmneziaOther;
      break;
    case 14:
      if (key == "own_public_key") return Field::kOwnPublicKey;
      break;
    case 15:
      if (key == "random_trailers" || key == "disable_cookies") return Field::kAmneziaOther;
      break;
    case 16:
      if (key == "protocol_version") return Field::kProtocolVersion;
      if (key == "rekey_after_time") return Field::kAmneziaOther;
      break;
    case 17:
      if (key == "reject_after_time" || key == "keepalive_timeout") return Field::kAmneziaOther;
      break;
    case 21:
      // Secret: stays in the answer, which the caller wipes.
      if (key == "header_protection_key") return Field::kAmneziaOther;
      break;
    case 22:
      if (key == "max_handshake_attempts") return Field::kAmneziaOther;
      break;
    case 23:
      if (key == "last_handshake_time_sec") return Field::kLastHandshakeSec;
      break;
    case 24:
      if (key == "last_handshake_time_nsec") return Field::kLastHandshakeNsec;
      if (key == "content_padding_addition") return Field::kAmneziaOther;
      break;
    case 29:
      if (key == "persistent_keepalive_interval") return Field::kPersistentKeepalive;
      break;
    default:
      break;
  }
  return Field::kUnknown;
}

}  // namespace wgx::uapi
