// Peer names from wg-quick configuration files (NAME.conf).
//
// wg-quick itself has no peer names; by the convention of the most used
// WireGuard exporter a peer is named by a comment
//
//     [Peer]
//     # friendly_name = alice-laptop
//     PublicKey = ...
//
// and many generators write "# Name = alice-laptop" the same way. Both keys are
// matched case-insensitively. The comment may sit inside the [Peer] section
// (before or after PublicKey) or in the comment lines directly above the
// section's "[Peer]" line. When a peer has both, the one inside its section
// wins; among several in the same place, the last one wins.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "exporter/wireguard/key.h"

namespace wgx {

using PeerNames = std::unordered_map<Key, std::string, KeyHash>;

struct WgQuickParseError {
  int line = 0;  // 1-based
  std::string message;
};

// Public key -> name for every [Peer] that has a name comment (peers without
// one are left out). Pure: reads nothing but `text`, copies nothing of it
// except names, and never puts the text of a line into an error message,
// because the same file carries the interface's PrivateKey.
//
// Rejected like wg(8) would reject them: a line outside any section, an
// unknown section, a line that is neither "Key = Value" nor a comment, a
// [Peer] without PublicKey or with two, a PublicKey that is not a canonical
// base64 key, and two [Peer] sections with the same PublicKey.
std::variant<PeerNames, WgQuickParseError> ParseWgQuickPeerNames(std::string_view text);

}  // namespace wgx
