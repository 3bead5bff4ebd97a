// Where peer names and labels come from besides the YAML: the comment
// conventions of the generators people use, friendly_json labels,
// systemd-networkd .netdev files, several wg-quick files per interface, and
// exclude_peers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <variant>

#include "exporter/config/friendly_json.h"
#include "exporter/config/loader.h"
#include "exporter/config/wg_quick.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using wgx::testing::TempDir;

const char kKey1[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const char kKey2[] = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const char kKey3[] = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const char kKey4[] = "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=";
const char kInterface[] =
    "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n";

Key K(const char* base64) { return *Key::FromBase64(base64); }

PeerDetails ParseOk(const std::string& text, PeerFileFormat format = PeerFileFormat::kWgQuick) {
  auto result = ParsePeerComments(text, format);
  if (auto* error = std::get_if<WgQuickParseError>(&result)) {
    ADD_FAILURE() << "line " << error->line << ":" << error->column << ": " << error->message;
    return {};
  }
  return std::get<PeerDetails>(std::move(result));
}

WgQuickParseError ParseBad(const std::string& text,
                           PeerFileFormat format = PeerFileFormat::kWgQuick) {
  auto result = ParsePeerComments(text, format);
  if (!std::holds_alternative<WgQuickParseError>(result)) {
    ADD_FAILURE() << "parsed although it should not:\n" << text;
    return {};
  }
  return std::get<WgQuickParseError>(std::move(result));
}

std::string NameOf(const PeerDetails& details, const char* key) {
  const auto it = details.find(K(key));
  if (it == details.end() || !it->second.name) return "<none>";
  return *it->second.name;
}

TEST(PeerComments, EveryGeneratorsConvention) {
  const PeerDetails details =
      ParseOk(std::string(kInterface) +
              // wg-easy (src/server/utils/wgHelper.ts): above the section, with its id.
              "\n# Client: Alice's Phone (3)\n[Peer]\nPublicKey = " + kKey1 +
              "\nAllowedIPs = 10.8.0.2/32\n"
              // PiVPN (scripts/wireguard/makeCONF.sh): a begin/end block.
              "\n### begin bob-laptop ###\n[Peer]\nPublicKey = " +
              kKey2 +
              "\nAllowedIPs = 10.8.0.3/32\n### end bob-laptop ###\n"
              // WGDashboard (src/modules/WireguardConfiguration.py) reads "#Name# = ".
              "\n[Peer]\n#Name# = carol\nPublicKey = " +
              kKey3 +
              "\n"
              "\n[Peer]\n# display-name = dave desk\nPublicKey = " +
              kKey4 + "\n");
  EXPECT_EQ(NameOf(details, kKey1), "Alice's Phone");
  EXPECT_EQ(NameOf(details, kKey2), "bob-laptop");
  EXPECT_EQ(NameOf(details, kKey3), "carol");
  EXPECT_EQ(NameOf(details, kKey4), "dave desk");
}

TEST(PeerComments, WgEasyNameWithParenthesesKeepsAllButTheId) {
  const PeerDetails details = ParseOk(
      std::string(kInterface) + "# Client: Bob (work) (6f1c-2a)\n[Peer]\nPublicKey = " + kKey1 +
      "\n# Client: no id here\n[Peer]\nPublicKey = " + kKey2 + "\n");
  EXPECT_EQ(NameOf(details, kKey1), "Bob (work)");
  EXPECT_EQ(NameOf(details, kKey2), "no id here");
}

TEST(PeerComments, PivpnDisabledPeersAreCommentsAndEndMarkersAreNoNames) {
  const PeerDetails details =
      ParseOk(std::string(kInterface) +
              "### begin gone ###\n#[disabled] [Peer]\n#[disabled] "
              "PublicKey = " +
              kKey1 + "\n### end gone ###\n[Peer]\nPublicKey = " + kKey2 + "\n");
  EXPECT_EQ(details.count(K(kKey1)), 0u);
  // "### end gone ###" and the begin line of a disabled peer name nobody.
  EXPECT_EQ(details.count(K(kKey2)), 0u);
}

TEST(PeerComments, FriendlyJsonBecomesLabels) {
  const PeerDetails details =
      ParseOk(std::string(kInterface) +
              "[Peer]\n# friendly_name = alice\n"
              "# friendly_json = {\"owner\": \"alice\", \"site\": \"fra\\u00fc\", \"seat\": 12, "
              "\"vip\": true}\nPublicKey = " +
              kKey1 + "\n[Peer]\n# friendly_json = {}\nPublicKey = " + kKey2 + "\n");
  const PeerComments& alice = details.at(K(kKey1));
  EXPECT_EQ(alice.name, "alice");
  EXPECT_THAT(alice.labels, ElementsAre(Pair("owner", "alice"), Pair("seat", "12"),
                                        Pair("site", "fra\xc3\xbc"), Pair("vip", "true")));
  EXPECT_EQ(details.count(K(kKey2)), 1u);  // an empty object is still said
  EXPECT_FALSE(details.at(K(kKey2)).name.has_value());
}

TEST(PeerComments, BadFriendlyJsonSaysLineAndColumn) {
  const std::string head = std::string(kInterface) + "[Peer]\nPublicKey = " + kKey1 + "\n";
  struct Case {
    std::string comment;
    int column;
    std::string message;
  };
  for (const Case& c : {
           Case{"# friendly_json = {\"a\": 1,}", 27, "expected a member name in double quotes"},
           Case{"# friendly_json = {\"interface\": \"x\"}", 20,
                "label \"interface\" collides with a label the exporter"},
           Case{"# friendly_json = {\"9lives\": \"x\"}", 20, "label \"9lives\""},
           Case{"  # friendly_json = {\"a\": \"1\", \"a\": \"2\"}", 32, "duplicate label \"a\""},
           Case{"# friendly_json = {\"a\": null}", 25, "the value must be a string"},
           Case{"# friendly_json = {\"a\": {\"b\": 1}}", 25, "the value must be a string"},
           Case{"# friendly_json = [1]", 19, "expected a JSON object"},
           Case{"# friendly_json = {\"a\": \"open", 25, "no closing double quote"},
       }) {
    const WgQuickParseError error = ParseBad(head + c.comment + "\n");
    EXPECT_EQ(error.line, 5) << c.comment;
    EXPECT_EQ(error.column, c.column) << c.comment << ": " << error.message;
    EXPECT_THAT(error.message, HasSubstr(c.message)) << c.comment;
    EXPECT_THAT(error.message, HasSubstr("friendly_json: "));
  }
}

TEST(PeerComments, NetdevWireGuardPeerSections) {
  const PeerDetails details = ParseOk(
      "[Match]\n\n[NetDev]\nName=wg0\nKind=wireguard\n\n[WireGuard]\nPrivateKeyFile=/etc/k\n"
      "ListenPort=51820\n\n; Name = alice\n[WireGuardPeer]\nPublicKey=" +
          std::string(kKey1) +
          "\nAllowedIPs=10.0.0.2/32\n\n[WireGuardPeer]\n# friendly_name = bob\n"
          "# friendly_json = {\"owner\": \"bob\"}\nPublicKey=" +
          kKey2 + "\nEndpoint=192.0.2.1:51820 # not a comment for systemd\n",
      PeerFileFormat::kNetdev);
  EXPECT_EQ(NameOf(details, kKey1), "alice");
  EXPECT_EQ(NameOf(details, kKey2), "bob");
  EXPECT_THAT(details.at(K(kKey2)).labels, ElementsAre(Pair("owner", "bob")));
}

TEST(PeerComments, NetdevErrorsNameItsSection) {
  EXPECT_EQ(ParseBad("[NetDev]\nName=wg0\n[WireGuardPeer]\nAllowedIPs=10.0.0.2/32\n",
                     PeerFileFormat::kNetdev)
                .message,
            "[WireGuardPeer] section has no PublicKey");
  const WgQuickParseError outside = ParseBad("Name=wg0\n", PeerFileFormat::kNetdev);
  EXPECT_EQ(outside.line, 1);
  EXPECT_EQ(outside.message, "setting outside any section");
  // In a wg-quick file, [WireGuardPeer] is no section.
  EXPECT_THAT(ParseBad(std::string(kInterface) + "[WireGuardPeer]\n").message,
              HasSubstr("unknown section"));
}

TEST(FriendlyJson, ValuesAndEscapes) {
  auto parsed = ParseFriendlyJson(R"({"b": "x\"y\\z\n", "a": -1.5e3, "c": false})");
  ASSERT_TRUE(std::holds_alternative<LabelPairs>(parsed));
  EXPECT_THAT(std::get<LabelPairs>(parsed),
              ElementsAre(Pair("a", "-1.5e3"), Pair("b", "x\"y\\z\n"), Pair("c", "false")));
  auto trailing = ParseFriendlyJson(R"({"a": "1"} x)");
  ASSERT_TRUE(std::holds_alternative<FriendlyJsonError>(trailing));
  EXPECT_EQ(std::get<FriendlyJsonError>(trailing).offset, 11u);
}

// ---------------------------------------------------------------------------
// The loader.

std::string WgQuickFile(const std::string& peers) { return std::string(kInterface) + peers; }
std::string Named(const char* key, const std::string& name) {
  return "\n[Peer]\n# Name = " + name + "\nPublicKey = " + key + "\n";
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

bool HasSource(const Config& config, const std::string& path) {
  for (const FileStamp& stamp : config.sources) {
    if (stamp.path == path) return true;
  }
  return false;
}

TEST(LoaderPeerFiles, GlobReadsEveryClientFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("clients"));
  dir.Write("clients/alice.conf",
            "[Peer]\n# Name = alice\nPublicKey = " + std::string(kKey1) + "\n");
  dir.Write("clients/bob.conf",
            "### begin bob ###\n[Peer]\nPublicKey = " + std::string(kKey2) + "\n### end bob ###\n");
  dir.Write("clients/notes.txt", "not a conf file\n");
  dir.Write("cfg.yml", "interfaces:\n  - name: wg0\n    wg_quick_config: clients/*.conf\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  const InterfaceConfig& wg0 = config->interfaces.at(0);
  ASSERT_EQ(wg0.peers.size(), 2u);
  EXPECT_EQ(wg0.peers.at(K(kKey1)).name, "alice");
  EXPECT_EQ(wg0.peers.at(K(kKey2)).name, "bob");
  // A new client file changes the directory: it is watched.
  EXPECT_TRUE(HasSource(*config, dir.Path("clients")));
  EXPECT_TRUE(HasSource(*config, dir.Path("clients/bob.conf")));
}

TEST(LoaderPeerFiles, ListOfPathsGlobsAndNetdevFiles) {
  TempDir dir;
  dir.Write("wg0.conf", WgQuickFile(Named(kKey1, "from-conf")));
  dir.Write("50-wg0.netdev",
            "[NetDev]\nName=wg0\nKind=wireguard\n[WireGuardPeer]\n"
            "# friendly_name = from-netdev\n# friendly_json = {\"site\": "
            "\"ber\"}\nPublicKey=" +
                std::string(kKey2) + "\n");
  dir.Write("cfg.yml",
            "interfaces:\n  - name: wg0\n    labels: {site: fra, tier: edge}\n"
            "    wg_quick_config: [wg0.conf, \"*.netdev\", \"nothing-yet/*.conf\"]\n"
            "    peers:\n      - public_key: " +
                std::string(kKey2) + "\n        labels: {tier: core}\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  const InterfaceConfig& wg0 = config->interfaces.at(0);
  EXPECT_EQ(wg0.peers.at(K(kKey1)).name, "from-conf");
  EXPECT_THAT(wg0.peers.at(K(kKey1)).labels,
              ElementsAre(Pair("site", "fra"), Pair("tier", "edge")));
  EXPECT_EQ(wg0.peers.at(K(kKey2)).name, "from-netdev");
  // friendly_json over the interface's labels, the YAML peer's over both.
  EXPECT_THAT(wg0.peers.at(K(kKey2)).labels,
              ElementsAre(Pair("site", "ber"), Pair("tier", "core")));
}

TEST(LoaderPeerFiles, APeerInTwoFilesIsRefused) {
  TempDir dir;
  dir.Write("a.conf", WgQuickFile(Named(kKey1, "one")));
  dir.Write("b.conf", WgQuickFile(Named(kKey1, "two")));
  dir.Write("cfg.yml",
            "interfaces:\n  - name: wg0\n    wg_quick_config:\n      - a.conf\n"
            "      - b.conf\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.file, dir.Path("cfg.yml"));
  EXPECT_EQ(error.line, 5);
  EXPECT_EQ(error.column, 9);
  EXPECT_THAT(error.message,
              HasSubstr(std::string("peer ") + kKey1 + " is named in both \"" + dir.Path("a.conf") +
                        "\" and \"" + dir.Path("b.conf") + "\""));
}

TEST(LoaderPeerFiles, BadValuesSayWhere) {
  TempDir dir;
  dir.Write("empty-list.yml", "interfaces:\n  - name: wg0\n    wg_quick_config: []\n");
  ConfigError error = LoadFileBad(dir.Path("empty-list.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 22);
  EXPECT_THAT(error.message, HasSubstr("the list is empty"));

  dir.Write("missing.yml",
            "interfaces:\n  - name: wg0\n    wg_quick_config: [here.conf, gone.conf]\n");
  dir.Write("here.conf", WgQuickFile(""));
  error = LoadFileBad(dir.Path("missing.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 34);
  EXPECT_THAT(error.message, HasSubstr("cannot read wg-quick file \"" + dir.Path("gone.conf")));

  dir.Write("bad-json.conf", WgQuickFile("[Peer]\nPublicKey = " + std::string(kKey1) +
                                         "\n# friendly_json = {\"owner\": nope}\n"));
  dir.Write("bad-json.yml", "interfaces:\n  - name: wg0\n    wg_quick_config: bad-json.conf\n");
  error = LoadFileBad(dir.Path("bad-json.yml"));
  EXPECT_EQ(error.file, dir.Path("bad-json.conf"));
  EXPECT_EQ(error.line, 5);
  EXPECT_EQ(error.column, 29);
  EXPECT_THAT(error.ToString(), Not(HasSubstr("yAnz5TF")));

  dir.Write("bad-netdev.netdev", "Kind=wireguard\n");
  dir.Write("bad-netdev.yml",
            "interfaces:\n  - name: wg0\n    wg_quick_config: bad-netdev.netdev\n");
  error = LoadFileBad(dir.Path("bad-netdev.yml"));
  EXPECT_EQ(error.file, dir.Path("bad-netdev.netdev"));
  EXPECT_EQ(error.line, 1);
  EXPECT_THAT(error.message, HasSubstr("setting outside any section (.netdev file of interface"));
}

TEST(LoaderExcludePeers, DefaultsAndInterfacesAddUp) {
  TempDir dir;
  dir.Write("cfg.yml",
            "defaults:\n  exclude_peers: [\"test-*\"]\n"
            "interfaces:\n  - name: wg0\n    exclude_peers: [\"AQEB*\", guest]\n"
            "  - name: wg1\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  EXPECT_THAT(config->default_exclude_peers, ElementsAre("test-*"));
  EXPECT_THAT(config->ExcludePeersOf("", "wg0"), ElementsAre("test-*", "AQEB*", "guest"));
  EXPECT_THAT(config->ExcludePeersOf("", "wg1"), ElementsAre("test-*"));
  EXPECT_THAT(config->ExcludePeersOf("", "unlisted"), ElementsAre("test-*"));
  const auto& wg0 = config->ExcludePeersOf("", "wg0");
  EXPECT_TRUE(Config::ExcludesPeer(wg0, K(kKey1), ""));        // by key
  EXPECT_TRUE(Config::ExcludesPeer(wg0, K(kKey2), "test-7"));  // by name
  EXPECT_TRUE(Config::ExcludesPeer(wg0, K(kKey2), "guest"));
  EXPECT_FALSE(Config::ExcludesPeer(wg0, K(kKey2), "guests"));
  EXPECT_FALSE(Config::ExcludesPeer(wg0, K(kKey2), ""));
  EXPECT_FALSE(Config::ExcludesPeer({}, K(kKey1), "test-1"));
}

TEST(LoaderExcludePeers, BadPatternsSayWhere) {
  TempDir dir;
  dir.Write("a.yml", "defaults:\n  exclude_peers: guest\n");
  ConfigError error = LoadFileBad(dir.Path("a.yml"));
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 18);
  EXPECT_THAT(error.message, HasSubstr("defaults.exclude_peers"));
  dir.Write("b.yml", "interfaces:\n  - name: wg0\n    exclude_peers: [ok, \"\"]\n");
  error = LoadFileBad(dir.Path("b.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 25);
  EXPECT_THAT(error.message, HasSubstr("interfaces[0].exclude_peers[1]"));
  dir.Write("c.yml", "interfaces:\n  - name: wg0\n    exclude_peers: [\"[abc\"]\n");
  error = LoadFileBad(dir.Path("c.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 21);
  EXPECT_THAT(error.message, HasSubstr("pattern \"[abc\""));
}

}  // namespace
}  // namespace wgx
