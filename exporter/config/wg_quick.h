// Peer names from wg-quick configuration files (NAME.conf) and
// systemd-networkd .netdev files ([WireGuardPeer] sections).
//
// Neither format has peer names; generators and exporters write them as
// comments, and every one of these is understood:
//
//     # friendly_name = alice-laptop      the prometheus_wireguard_exporter convention
//     # Name = alice-laptop               many generators; also display-name, display_name
//     #Name# = alice-laptop               WGDashboard
//     # Client: alice-laptop (3)          wg-easy (the "(id)" is dropped)
//     ### begin alice-laptop ###          PiVPN (its "### end ... ###" is not a name)
//     # friendly_json = {"owner": "alice", "site": "fra1"}
//                                         the peer's labels (see friendly_json.h)
//
// Keys are matched case-insensitively. A comment may sit inside the peer's
// section (before or after PublicKey) or in the comment lines directly above
// the section's header line. When a peer has both, the one inside its section
// wins; among several in the same place, the last one wins.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "exporter/wireguard/key.h"

namespace wgx {

using PeerNames = std::unordered_map<Key, std::string, KeyHash>;

// What the comments of one peer say.
struct PeerComments {
  std::optional<std::string> name;
  std::vector<std::pair<std::string, std::string>> labels;  // from friendly_json, sorted
  friend bool operator==(const PeerComments&, const PeerComments&) = default;
};
using PeerDetails = std::unordered_map<Key, PeerComments, KeyHash>;

struct WgQuickParseError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, when the error is about a place in the line; else 0
  std::string message;
};

enum class PeerFileFormat {
  kWgQuick,  // [Interface] and [Peer]; '#' starts a comment anywhere
  kNetdev,   // systemd .netdev: any sections, peers in [WireGuardPeer]; '#' or ';' lines
};

// Every peer that has a name or friendly_json comment. The same rules and
// guarantees as ParseWgQuickPeerNames, for either format.
std::variant<PeerDetails, WgQuickParseError> ParsePeerComments(std::string_view text,
                                                               PeerFileFormat format);

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
