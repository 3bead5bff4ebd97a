// Reading the files that name peers (wg-quick NAME.conf, systemd-networkd
// .netdev) for the loader: one path, or a `wg_quick_config` value that is a
// path, a glob, or a list of paths and globs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/wg_quick.h"
#include "exporter/config/yaml_reader.h"

namespace wgx {

// What the YAML said of an interface's peers, which the files and databases
// never override.
struct YamlPeers {
  const std::unordered_set<Key, KeyHash>& named;  // given a name, even an empty one
  const std::unordered_map<Key, std::map<std::string, std::string>, KeyHash>& own_labels;
  const std::map<std::string, std::string>& interface_labels;
};

// Peers of the files into `iface`: names where the YAML gives none, labels
// of the interface, then of the file, then of the YAML peer.
void MergeFilePeers(PeerDetails& details, const YamlPeers& yaml, InterfaceConfig& iface);
// Names of a database for peers that have none yet (from the YAML or a file).
void MergeDatabaseNames(PeerNames& names, const YamlPeers& yaml, InterfaceConfig& iface);

class PeerFileReader {
 public:
  PeerFileReader(const YamlReader& reader, std::vector<FileStamp>& sources)
      : reader_(reader), sources_(sources) {}

  // One file, read as .netdev when its name ends so, else as wg-quick; nullopt
  // when an optional file is absent. Every failure throws LoadFailure: a file
  // that cannot be read points at `where_named`, a bad line at the file's
  // own line (and column).
  std::optional<PeerDetails> ReadFile(const std::string& path, bool required,
                                      const Entry& where_named, const std::string& interface_name);

  // Every file `entry` names (a path or glob, or a list of them), merged. A
  // plain path must exist; a glob may match nothing (files per client come
  // and go) but its directory is watched for new ones. A peer in two files
  // is refused.
  PeerDetails ReadEntry(const Entry& entry, const std::string& interface_name);

 private:
  // Moves every peer of `from` into `into`.
  void Merge(PeerDetails& into, PeerDetails& from, const std::string& path,
             std::vector<std::pair<Key, std::string>>& origin, const Entry& where);

  const YamlReader& reader_;
  std::vector<FileStamp>& sources_;
};

}  // namespace wgx
