// Peer names from wg-easy's and WGDashboard's SQLite databases, made here
// with the tables those programs create (wg-easy: clients_table of
// src/server/database/repositories/client/schema.ts; WGDashboard: the
// per-interface table of src/modules/WireguardConfiguration.py).
#include "exporter/config/peer_databases.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <memory>
#include <sstream>
#include <string>
#include <variant>

#include "exporter/config/loader.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using wgx::testing::TempDir;

const char kKey1[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const char kKey2[] = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const char kKey3[] = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const char kPrivate[] = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";

Key K(const char* base64) { return *Key::FromBase64(base64); }

// A database connection of the test's own, as the web interface holds one.
class Db {
 public:
  explicit Db(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "") << "\n"
        << sql;
    sqlite3_free(error);
  }

 private:
  sqlite3* db_ = nullptr;
};

void MakeWgEasy(const std::string& path) {
  Db db(path);
  db.Exec(
      "CREATE TABLE interfaces_table (name TEXT PRIMARY KEY, device TEXT NOT NULL, port INTEGER "
      "NOT NULL UNIQUE, private_key TEXT NOT NULL, public_key TEXT NOT NULL);"
      "CREATE TABLE clients_table (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, "
      "interface_id TEXT NOT NULL REFERENCES interfaces_table(name), name TEXT NOT NULL, "
      "ipv4_address TEXT NOT NULL UNIQUE, ipv6_address TEXT NOT NULL UNIQUE, private_key TEXT NOT "
      "NULL, public_key TEXT NOT NULL, pre_shared_key TEXT NOT NULL, enabled INTEGER NOT NULL);"
      "INSERT INTO interfaces_table VALUES ('wg0', 'eth0', 51820, '" +
      std::string(kPrivate) + "', '" + kKey3 +
      "');"
      "INSERT INTO clients_table (user_id, interface_id, name, ipv4_address, ipv6_address, "
      "private_key, public_key, pre_shared_key, enabled) VALUES "
      "(1, 'wg0', 'Alice Phone', '10.8.0.2', 'fd00::2', '" +
      kPrivate + "', '" + kKey1 + "', 'x', 1), (1, 'wg0', 'Bob', '10.8.0.3', 'fd00::3', '" +
      kPrivate + "', '" + kKey2 + "', 'x', 0), (1, 'wg1', 'other interface', '10.9.0.2', " +
      "'fd01::2', '" + kPrivate + "', '" + kKey3 + "', 'x', 1), (1, 'wg0', 'broken key', " +
      "'10.8.0.4', 'fd00::4', '" + kPrivate + "', 'not-a-key', 'x', 1);");
}

void MakeWgDashboard(const std::string& path) {
  Db db(path);
  db.Exec(
      "CREATE TABLE \"wg0\" (id VARCHAR(255) NOT NULL PRIMARY KEY, private_key VARCHAR(255), "
      "DNS TEXT, endpoint_allowed_ip TEXT, name TEXT, total_receive FLOAT, total_sent FLOAT, "
      "status VARCHAR(255), allowed_ip VARCHAR(255), keepalive INTEGER, notes TEXT);"
      "CREATE TABLE \"wg0_restrict_access\" (id VARCHAR(255) NOT NULL, name TEXT);"
      "INSERT INTO \"wg0\" (id, private_key, name) VALUES ('" +
      std::string(kKey1) + "', '" + kPrivate + "', 'carol'), ('" + kKey2 + "', '" + kPrivate +
      "', ''), ('" + kKey3 + "', NULL, NULL);");
}

TEST(PeerDatabases, WgEasyClientsOfTheInterface) {
  TempDir dir;
  MakeWgEasy(dir.Path("wg-easy.db"));
  const PeerDatabaseNames read =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("wg-easy.db")}, "wg0");
  EXPECT_THAT(read.warning, IsEmpty());
  ASSERT_EQ(read.names.size(), 2u);  // not wg1's client, not the row without a key
  EXPECT_EQ(read.names.at(K(kKey1)), "Alice Phone");
  EXPECT_EQ(read.names.at(K(kKey2)), "Bob");
}

TEST(PeerDatabases, WgDashboardTableOfTheInterface) {
  TempDir dir;
  MakeWgDashboard(dir.Path("wgdashboard.db"));
  const PeerDatabaseNames read =
      ReadPeerDatabase({PeerDatabaseKind::kWgDashboard, dir.Path("wgdashboard.db")}, "wg0");
  EXPECT_THAT(read.warning, IsEmpty());
  ASSERT_EQ(read.names.size(), 1u);  // empty and missing names are no names
  EXPECT_EQ(read.names.at(K(kKey1)), "carol");
  const PeerDatabaseNames other =
      ReadPeerDatabase({PeerDatabaseKind::kWgDashboard, dir.Path("wgdashboard.db")}, "wg9");
  EXPECT_THAT(other.warning, HasSubstr("not readable as its schema: no such table: wg9"));
}

TEST(PeerDatabases, MissingCorruptOrForeignFilesAreWarnings) {
  TempDir dir;
  const PeerDatabaseNames missing =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("none.db")}, "wg0");
  EXPECT_THAT(missing.warning, HasSubstr("wg-easy database \"" + dir.Path("none.db") +
                                         "\" (interface \"wg0\"): cannot open"));
  dir.Write("text.db", "this is not a database, just some text that is long enough\n");
  const PeerDatabaseNames corrupt =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("text.db")}, "wg0");
  EXPECT_THAT(corrupt.warning, HasSubstr("not a database"));
  MakeWgDashboard(dir.Path("dash.db"));
  const PeerDatabaseNames wrong_kind =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("dash.db")}, "wg0");
  EXPECT_THAT(wrong_kind.warning, HasSubstr("no such table: clients_table"));
  EXPECT_TRUE(wrong_kind.names.empty());
}

TEST(PeerDatabases, ALockedDatabaseIsStillRead) {
  TempDir dir;
  MakeWgEasy(dir.Path("wg-easy.db"));
  Db writer(dir.Path("wg-easy.db"));
  writer.Exec("BEGIN EXCLUSIVE; UPDATE clients_table SET enabled = 1;");
  const PeerDatabaseNames read =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("wg-easy.db")}, "wg0");
  EXPECT_THAT(read.warning, IsEmpty());
  EXPECT_EQ(read.names.size(), 2u);
  writer.Exec("ROLLBACK;");
}

TEST(PeerDatabases, PathsWithUriCharacters) {
  TempDir dir;
  MakeWgEasy(dir.Path("a?b#c%d.db"));
  const PeerDatabaseNames read =
      ReadPeerDatabase({PeerDatabaseKind::kWgEasy, dir.Path("a?b#c%d.db")}, "wg0");
  EXPECT_THAT(read.warning, IsEmpty());
  EXPECT_EQ(read.names.size(), 2u);
}

std::shared_ptr<const Config> LoadFileOk(const std::string& path) {
  LoadResult result = LoadConfigFromFile(path);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString();
    return DefaultConfig();
  }
  return std::get<std::shared_ptr<const Config>>(result);
}

ConfigError LoadFileBad(const std::string& path) {
  LoadResult result = LoadConfigFromFile(path);
  if (!std::holds_alternative<ConfigError>(result)) {
    ADD_FAILURE() << "loaded although it should not: " << path;
    return {};
  }
  return std::get<ConfigError>(result);
}

TEST(LoaderPeerDatabases, NamesFillWhatTheYamlAndFilesLeaveOpen) {
  TempDir dir;
  MakeWgEasy(dir.Path("wg-easy.db"));
  dir.Write("wg0.conf", "[Interface]\nPrivateKey = " + std::string(kPrivate) +
                            "\n[Peer]\n# Name = from-file\nPublicKey = " + kKey2 + "\n");
  dir.Write("cfg.yml", std::string("interfaces:\n  - name: wg0\n    labels: {site: fra}\n") +
                           "    wg_quick_config: wg0.conf\n" +
                           "    peer_databases:\n      - {kind: wg-easy, path: wg-easy.db}\n" +
                           "      - {kind: wgdashboard, path: missing.db}\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  const InterfaceConfig& wg0 = config->interfaces.at(0);
  EXPECT_EQ(wg0.peers.at(K(kKey1)).name, "Alice Phone");
  EXPECT_EQ(wg0.peers.at(K(kKey1)).labels.size(), 1u);  // the interface's
  EXPECT_EQ(wg0.peers.at(K(kKey2)).name, "from-file");  // the file's name wins
}

TEST(LoaderPeerDatabases, AMissingDatabaseIsALoggedWarningNotAFailedLoad) {
  TempDir dir;
  dir.Write("cfg.yml",
            "interfaces:\n  - name: wg0\n    peer_databases: [{kind: wg-easy, path: gone.db}]\n");
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  spdlog::set_default_logger(previous);
  EXPECT_EQ(config->interfaces.size(), 1u);
  EXPECT_THAT(log.str(), HasSubstr("peer names: wg-easy database \"" + dir.Path("gone.db") +
                                   "\" (interface \"wg0\"): cannot open"));
}

TEST(LoaderPeerDatabases, BadEntriesSayWhere) {
  TempDir dir;
  dir.Write("a.yml",
            "interfaces:\n  - name: wg0\n    peer_databases: [{kind: pivpn, path: x.db}]\n");
  ConfigError error = LoadFileBad(dir.Path("a.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 29);
  EXPECT_THAT(error.message,
              HasSubstr("unknown database kind \"pivpn\"; allowed: wg-easy, wgdashboard"));
  dir.Write("b.yml", "interfaces:\n  - name: wg0\n    peer_databases:\n      - {kind: wg-easy}\n");
  error = LoadFileBad(dir.Path("b.yml"));
  EXPECT_EQ(error.line, 4);
  EXPECT_EQ(error.column, 9);
  EXPECT_THAT(error.message, HasSubstr("a database needs a kind and a path"));
  dir.Write("c.yml", "interfaces:\n  - name: wg0\n    peer_databases: [x.db]\n");
  error = LoadFileBad(dir.Path("c.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 22);
  EXPECT_THAT(error.message, HasSubstr("a database must be a mapping with kind and path"));
}

}  // namespace
}  // namespace wgx
