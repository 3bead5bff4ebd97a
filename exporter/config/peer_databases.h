// Peer names from the SQLite databases of the web interfaces that manage
// WireGuard: wg-easy (clients_table: public_key, name, interface_id) and
// WGDashboard (a table named after the interface: id is the public key).
// Opened read-only and immutable, so the exporter never takes a lock the
// interface could wait on; a database that is missing, locked, corrupt or of
// another schema is a warning for the log, never a failed load.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "exporter/config/wg_quick.h"
#include "exporter/config/yaml_reader.h"

namespace wgx {

enum class PeerDatabaseKind { kWgEasy, kWgDashboard };

struct PeerDatabase {
  PeerDatabaseKind kind = PeerDatabaseKind::kWgEasy;
  std::string path;
};

struct PeerDatabaseNames {
  PeerNames names;
  std::string warning;  // why nothing (or not everything) was read; "" when all was
};

// Public key -> name of every peer of `interface_name` the database knows.
// Rows whose key is no WireGuard key or whose name is empty are skipped. Reads
// only those two columns; nothing else of the database (it holds private
// keys) is ever copied.
PeerDatabaseNames ReadPeerDatabase(const PeerDatabase& database, const std::string& interface_name);

// The `peer_databases` list of an interface: mappings {kind: wg-easy |
// wgdashboard, path: FILE}. Refuses (with line and column) anything else.
std::vector<PeerDatabase> LoadPeerDatabases(const YamlReader& reader, const Entry& entry);

}  // namespace wgx
