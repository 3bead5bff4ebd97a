#include "exporter/config/peer_databases.h"

#include <sqlite3.h>

#include <array>
#include <memory>
#include <string_view>

#include "exporter/config/name_checks.h"
#include "exporter/wireguard/key.h"

namespace wgx {
namespace {

constexpr std::array<std::string_view, 2> kKindNames{"wg-easy", "wgdashboard"};

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};

// "file:" URI of `path`, with the characters a URI gives meaning escaped.
std::string ImmutableUri(const std::string& path) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      constexpr std::string_view kHex = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(c);
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 0xf];
    } else {
      uri += c;
    }
  }
  // immutable: no locks taken, no journal or WAL files looked for or made.
  uri += "?mode=ro&immutable=1";
  return uri;
}

// An SQL identifier in double quotes (WGDashboard names its tables after
// the interface).
std::string QuotedIdentifier(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string_view ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
}

}  // namespace

PeerDatabaseNames ReadPeerDatabase(const PeerDatabase& database,
                                   const std::string& interface_name) {
  PeerDatabaseNames out;
  const char* what = database.kind == PeerDatabaseKind::kWgEasy ? "wg-easy" : "WGDashboard";
  auto warn = [&](const std::string& why) {
    out.warning = std::string(what) + " database " + Quoted(database.path) + " (interface " +
                  Quoted(interface_name) + "): " + why;
    return out;
  };
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(ImmutableUri(database.path).c_str(), &raw,
                                     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  const std::unique_ptr<sqlite3, CloseDatabase> db(raw);
  if (opened != SQLITE_OK) {
    return warn(std::string("cannot open: ") + (db ? sqlite3_errmsg(db.get()) : "out of memory"));
  }
  const std::string sql = database.kind == PeerDatabaseKind::kWgEasy
                              ? "SELECT public_key, name FROM clients_table WHERE interface_id = ?1"
                              : "SELECT id, name FROM " + QuotedIdentifier(interface_name);
  sqlite3_stmt* raw_statement = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr) != SQLITE_OK) {
    return warn(std::string("not readable as its schema: ") + sqlite3_errmsg(db.get()));
  }
  const std::unique_ptr<sqlite3_stmt, FinalizeStatement> statement(raw_statement);
  if (database.kind == PeerDatabaseKind::kWgEasy) {
    sqlite3_bind_text(statement.get(), 1, interface_name.c_str(), -1, SQLITE_TRANSIENT);
  }
  int step = SQLITE_ROW;
  while ((step = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const std::optional<Key> key = Key::FromBase64(ColumnText(statement.get(), 0));
    const std::string_view name = ColumnText(statement.get(), 1);
    if (!key || name.empty()) continue;
    out.names.insert_or_assign(*key, std::string(name));
  }
  if (step != SQLITE_DONE) return warn(std::string("reading failed: ") + sqlite3_errmsg(db.get()));
  return out;
}

std::vector<PeerDatabase> LoadPeerDatabases(const YamlReader& reader, const Entry& entry) {
  std::vector<PeerDatabase> databases;
  if (!reader.RequireListOrNull(entry)) return databases;
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const YAML::Node& node = entry.value[i];
    const std::string where = entry.path + "[" + std::to_string(i) + "]";
    if (node.IsNull()) reader.Fail(entry.value, where + ": the list item is empty");
    if (!node.IsMap()) {
      reader.Fail(
          node, where + ": a database must be a mapping with kind and path, got " + TypeName(node));
    }
    PeerDatabase database;
    bool has_kind = false;
    bool has_path = false;
    reader.ForEachEntry(node, where + ".", where, {"kind", "path"}, [&](const Entry& item) {
      if (item.key == "path") {
        database.path = reader.PathValue(item);
        has_path = true;
        return;
      }
      const std::string kind = reader.String(item);
      if (kind == kKindNames[0]) {
        database.kind = PeerDatabaseKind::kWgEasy;
      } else if (kind == kKindNames[1]) {
        database.kind = PeerDatabaseKind::kWgDashboard;
      } else {
        reader.Fail(
            item, "unknown database kind " + Quoted(kind) + "; allowed: " + JoinNames(kKindNames));
      }
      has_kind = true;
    });
    if (!has_kind || !has_path) reader.Fail(node, where + ": a database needs a kind and a path");
    databases.push_back(std::move(database));
  }
  return databases;
}

}  // namespace wgx
