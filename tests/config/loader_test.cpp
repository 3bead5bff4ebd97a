#include "exporter/config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <string>
#include <variant>

#include "tests/support/fixture.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using wgx::testing::ReadFile;
using wgx::testing::TempDir;

const char kKey1[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const char kKey2[] = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const char kKey3[] = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const char kKey4[] = "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=";

Key K(const char* base64) { return *Key::FromBase64(base64); }

std::shared_ptr<const Config> LoadOk(const std::string& yaml,
                                     const std::string& file_name = "cfg.yml") {
  LoadResult result = LoadConfigFromString(yaml, file_name);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString() << "\n" << yaml;
    return DefaultConfig();
  }
  return std::get<std::shared_ptr<const Config>>(result);
}

ConfigError LoadBad(const std::string& yaml) {
  LoadResult result = LoadConfigFromString(yaml, "cfg.yml");
  if (!std::holds_alternative<ConfigError>(result)) {
    ADD_FAILURE() << "loaded although it should not:\n" << yaml;
    return {};
  }
  return std::get<ConfigError>(result);
}

ConfigError LoadFileBad(const std::string& path) {
  LoadResult result = LoadConfigFromFile(path);
  if (!std::holds_alternative<ConfigError>(result)) {
    ADD_FAILURE() << "loaded although it should not: " << path;
    return {};
  }
  return std::get<ConfigError>(result);
}

std::shared_ptr<const Config> LoadFileOk(const std::string& path) {
  LoadResult result = LoadConfigFromFile(path);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->ToString();
    return DefaultConfig();
  }
  return std::get<std::shared_ptr<const Config>>(result);
}

void ExpectDefaults(const Config& config) {
  EXPECT_EQ(config.default_online_threshold, milliseconds{180'000});
  EXPECT_EQ(config.default_read_timeout, milliseconds{2'000});
  EXPECT_TRUE(config.discover);
  EXPECT_TRUE(config.exclude.empty());
  EXPECT_TRUE(config.interfaces.empty());
  EXPECT_TRUE(config.discovered_peers.empty());
  EXPECT_TRUE(config.metrics.peer_info && config.metrics.peer_bytes &&
              config.metrics.peer_handshake_timestamp && config.metrics.peer_handshake_age &&
              config.metrics.peer_keepalive && config.metrics.peer_online);
}

// ---------------------------------------------------------------- good files

TEST(Loader, EmptyOrCommentOnlyFilesAreTheDefaults) {
  for (const char* yaml : {"", "\n", "# only a comment\n", "---\n", "{}\n", "~\n"}) {
    SCOPED_TRACE(yaml);
    ExpectDefaults(*LoadOk(yaml));
  }
  ExpectDefaults(*DefaultConfig());
}

TEST(Loader, EmptySectionsMeanNoSettings) {
  const auto config = LoadOk(
      "defaults:\n"
      "exclude:\n"
      "wg_quick:\n"
      "metrics:\n"
      "  disable:\n"
      "interfaces:\n"
      "  - name: wg0\n"
      "    labels:\n"
      "    peers:\n");
  ASSERT_EQ(config->interfaces.size(), 1u);
  EXPECT_TRUE(config->interfaces[0].labels.empty());
  EXPECT_TRUE(config->interfaces[0].peers.empty());
  EXPECT_TRUE(config->exclude.empty());
}

TEST(Loader, EveryKeyOfTheSchema) {
  const auto config = LoadOk(std::string() +
                             "defaults:\n"
                             "  online_threshold: 5m\n"
                             "  read_timeout: 1500ms\n"
                             "discover: false\n"
                             "exclude: [\"wgtest*\", \"tmp?\"]\n"
                             "metrics:\n"
                             "  disable: [peer_info, peer_keepalive]\n"
                             "interfaces:\n"
                             "  - name: wg0\n"
                             "    online_threshold: 150s\n"
                             "    read_timeout: 1s\n"
                             "    labels: {site: fra1, rack: 12}\n"
                             "    peers:\n"
                             "      - public_key: \"" +
                             kKey1 +
                             "\"\n"
                             "        name: alice-laptop\n"
                             "        labels: {owner: alice, site: fra2}\n"
                             "      - public_key: " +
                             kKey2 +
                             "\n"
                             "  - name: wg1\n"
                             "    peers:\n"
                             "      - public_key: " +
                             kKey1 +
                             "\n"
                             "        name: alice-on-wg1\n");
  EXPECT_EQ(config->default_online_threshold, milliseconds{300'000});
  EXPECT_EQ(config->default_read_timeout, milliseconds{1'500});
  EXPECT_FALSE(config->discover);
  EXPECT_THAT(config->exclude, ElementsAre("wgtest*", "tmp?"));
  EXPECT_FALSE(config->metrics.peer_info);
  EXPECT_FALSE(config->metrics.peer_keepalive);
  EXPECT_TRUE(config->metrics.peer_bytes);
  EXPECT_TRUE(config->metrics.peer_handshake_timestamp);
  EXPECT_TRUE(config->metrics.peer_handshake_age);
  EXPECT_TRUE(config->metrics.peer_online);

  ASSERT_EQ(config->interfaces.size(), 2u);
  const InterfaceConfig& wg0 = config->interfaces[0];
  EXPECT_EQ(wg0.name, "wg0");
  EXPECT_EQ(wg0.online_threshold, milliseconds{150'000});
  EXPECT_EQ(wg0.read_timeout, milliseconds{1'000});
  // Sorted by name; a number is taken as its text.
  EXPECT_THAT(wg0.labels, ElementsAre(Pair("rack", "12"), Pair("site", "fra1")));
  ASSERT_EQ(wg0.peers.size(), 2u);
  const PeerConfig& alice = wg0.peers.at(K(kKey1));
  EXPECT_EQ(alice.name, "alice-laptop");
  // Peer labels merged over the interface's; the peer wins on "site".
  EXPECT_THAT(alice.labels,
              ElementsAre(Pair("owner", "alice"), Pair("rack", "12"), Pair("site", "fra2")));
  const PeerConfig& unnamed = wg0.peers.at(K(kKey2));
  EXPECT_EQ(unnamed.name, "");
  EXPECT_THAT(unnamed.labels, ElementsAre(Pair("rack", "12"), Pair("site", "fra1")));

  // The same peer key may appear on two interfaces.
  const InterfaceConfig& wg1 = config->interfaces[1];
  EXPECT_EQ(wg1.online_threshold, milliseconds{300'000});  // inherited from defaults
  EXPECT_EQ(wg1.read_timeout, milliseconds{1'500});
  EXPECT_EQ(wg1.peers.at(K(kKey1)).name, "alice-on-wg1");

  EXPECT_EQ(config->Find("wg1"), &wg1);
  EXPECT_EQ(config->FindPeer("wg0", K(kKey1)), &alice);
  EXPECT_EQ(config->FindPeer("wg0", K(kKey3)), nullptr);
  EXPECT_EQ(config->FindPeer("wg9", K(kKey1)), nullptr);
  EXPECT_EQ(config->PeersOf("wg9"), nullptr);
  EXPECT_TRUE(config->sources.empty());  // nothing was read from disk
}

TEST(Loader, InterfacesInheritDefaultsWrittenAfterThem) {
  const auto config = LoadOk(
      "interfaces:\n"
      "  - name: wg0\n"
      "defaults:\n"
      "  online_threshold: 1h30m\n"
      "  read_timeout: 60s\n");
  ASSERT_EQ(config->interfaces.size(), 1u);
  EXPECT_EQ(config->interfaces[0].online_threshold, milliseconds{5'400'000});
  EXPECT_EQ(config->interfaces[0].read_timeout, milliseconds{60'000});
  EXPECT_EQ(config->OnlineThreshold("wg0"), milliseconds{5'400'000});
  EXPECT_EQ(config->OnlineThreshold("other"), milliseconds{5'400'000});
}

TEST(Loader, SelectionFollowsDiscoverAndExclude) {
  const auto discovering = LoadOk(
      "exclude: [\"wgtest*\", \"wg[5-7]\"]\n"
      "interfaces:\n"
      "  - name: wgtest1\n"
      "  - name: wg0\n");
  EXPECT_TRUE(discovering->Selects("wg0"));
  EXPECT_TRUE(discovering->Selects("wg9"));       // discovered
  EXPECT_FALSE(discovering->Selects("wgtest1"));  // listed, but excluded wins
  EXPECT_FALSE(discovering->Selects("wg6"));

  const auto listed_only = LoadOk(
      "discover: false\n"
      "interfaces:\n"
      "  - name: wg0\n");
  EXPECT_TRUE(listed_only->Selects("wg0"));
  EXPECT_FALSE(listed_only->Selects("wg1"));
}

TEST(Loader, BooleanSpellings) {
  EXPECT_FALSE(LoadOk("discover: False\n")->discover);
  EXPECT_FALSE(LoadOk("discover: FALSE\n")->discover);
  EXPECT_TRUE(LoadOk("discover: True\n")->discover);
}

TEST(Loader, LongestValidInterfaceNameAndUnusualCharacters) {
  const auto config = LoadOk(
      "interfaces:\n"
      "  - name: abcdefghijklmno\n"
      "  - name: wg-home.1_a\n");
  EXPECT_EQ(config->interfaces[0].name, "abcdefghijklmno");
  EXPECT_EQ(config->interfaces[1].name, "wg-home.1_a");
}

TEST(Loader, Namespaces) {
  const auto config = LoadOk(
      "namespaces:\n"
      "  discover: [named, processes]\n"
      "  exclude: [\"cni-*\"]\n"
      "  paths:\n"
      "    - name: vpn-a\n"
      "      path: /proc/self/ns/net\n"
      "    - name: later\n"
      "      path: /run/netns/not-there-yet\n"
      "interfaces:\n"
      "  - name: wg0\n"
      "    netns: vpn-a\n"
      "    online_threshold: 150s\n"
      "  - name: wg0\n"
      "    online_threshold: 90s\n"
      "  - name: wg0\n"
      "    netns: b\n",
      "/etc/x/cfg.yml");
  const NamespaceSelection& ns = config->namespaces;
  EXPECT_TRUE(ns.named);
  EXPECT_TRUE(ns.processes);
  EXPECT_THAT(ns.exclude, ElementsAre("cni-*"));
  EXPECT_THAT(ns.paths, ElementsAre(NamespacePath{"vpn-a", "/proc/self/ns/net"},
                                    NamespacePath{"later", "/run/netns/not-there-yet"}));
  // (netns, name) is the identity of an interface.
  ASSERT_EQ(config->interfaces.size(), 3u);
  EXPECT_EQ(config->Find("vpn-a", "wg0")->online_threshold, milliseconds{150'000});
  EXPECT_EQ(config->Find("wg0")->online_threshold, milliseconds{90'000});
  EXPECT_EQ(config->Find("", "wg0"), config->Find("wg0"));
  EXPECT_EQ(config->Find("b", "wg0")->netns, "b");
  EXPECT_EQ(config->Find("elsewhere", "wg0"), nullptr);
  EXPECT_TRUE(config->Selects("elsewhere", "wg0"));  // discovered
}

TEST(Loader, NoNamespacesSectionReadsOnlyTheOwn) {
  const auto config = LoadOk("discover: true\n");
  EXPECT_TRUE(config->namespaces.OwnOnly());
  const auto empty_netns = LoadOk("interfaces:\n  - {name: wg0, netns: \"\"}\n");
  EXPECT_EQ(empty_netns->Find("wg0")->netns, "");
}

TEST(Loader, ListedOnlySelectsByNamespaceToo) {
  const auto config = LoadOk("discover: false\ninterfaces:\n  - {name: wg0, netns: a}\n");
  EXPECT_TRUE(config->Selects("a", "wg0"));
  EXPECT_FALSE(config->Selects("wg0"));
  EXPECT_FALSE(config->Selects("b", "wg0"));
}

TEST(Loader, ErrorToString) {
  EXPECT_EQ((ConfigError{"a.yml", 3, 5, "bad"}).ToString(), "a.yml:3:5: bad");
  EXPECT_EQ((ConfigError{"a.yml", 3, 0, "bad"}).ToString(), "a.yml:3: bad");
  EXPECT_EQ((ConfigError{"a.yml", 0, 0, "bad"}).ToString(), "a.yml: bad");
}

// ----------------------------------------------------------------- bad files

struct BadCase {
  std::string name;
  std::string yaml;
  int line;
  int column;
  std::string reason;  // part of the message
};

std::ostream& operator<<(std::ostream& out, const BadCase& c) { return out << c.name; }

class LoaderRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(LoaderRejects, WithFileLineColumnAndReason) {
  const BadCase& c = GetParam();
  const ConfigError error = LoadBad(c.yaml);
  EXPECT_EQ(error.file, "cfg.yml");
  EXPECT_EQ(error.line, c.line) << error.ToString();
  EXPECT_EQ(error.column, c.column) << error.ToString();
  EXPECT_THAT(error.message, HasSubstr(c.reason)) << error.ToString();
}

const std::string kIface = "interfaces:\n  - name: wg0\n";  // two lines
const std::string kPeers = kIface + "    peers:\n";         // three lines

INSTANTIATE_TEST_SUITE_P(
    Table, LoaderRejects,
    ::testing::Values(
        // Unknown keys, at every level, with the allowed ones listed.
        BadCase{"UnknownTopLevelKey", "discover: true\ndiscovr: true\n", 2, 1,
                "unknown key \"discovr\" in the top level; allowed keys: defaults, discover, "
                "exclude, namespaces, wg_quick, metrics, interfaces"},
        BadCase{"UnknownDefaultsKey", "defaults:\n  online_treshold: 3m\n", 2, 3,
                "unknown key \"online_treshold\" in defaults; allowed keys: online_threshold, "
                "read_timeout, exclude_peers"},
        BadCase{"UnknownInterfaceKey", kIface + "    label: {a: b}\n", 3, 5,
                "unknown key \"label\" in interfaces[0]; allowed keys: name, netns, "
                "online_threshold, read_timeout, labels, wg_quick_config, peers, exclude_peers, "
                "peer_databases"},
        BadCase{"UnknownPeerKey", kPeers + "      - public_key: " + kKey1 + "\n        nam: x\n", 5,
                9,
                "unknown key \"nam\" in interfaces[0].peers[0]; allowed keys: public_key, name, "
                "labels"},
        BadCase{"UnknownWgQuickKey", "wg_quick:\n  dir: /tmp\n", 2, 3,
                "unknown key \"dir\" in wg_quick; allowed keys: directory"},
        BadCase{"UnknownMetricsKey", "metrics:\n  enable: []\n", 2, 3,
                "unknown key \"enable\" in metrics; allowed keys: disable"},
        BadCase{"DuplicateKey", "discover: true\nexclude: []\ndiscover: false\n", 3, 1,
                "duplicate key \"discover\" in the top level (first on line 1)"},
        BadCase{"DuplicateKeyInInterface", kIface + "    name: wg1\n", 3, 5,
                "duplicate key \"name\" in interfaces[0] (first on line 2)"},
        BadCase{"NonScalarKey", "? [a, b]\n: 1\n", 1, 3, "keys in the top level must be plain"},

        // Wrong types.
        BadCase{"TopLevelScalar", "hello\n", 1, 1, "the configuration must be a mapping"},
        BadCase{"TopLevelList", "- a\n- b\n", 1, 1, "got a list"},
        BadCase{"DiscoverYes", "discover: yes\n", 1, 11, "discover: must be true or false"},
        BadCase{"DiscoverQuoted", "discover: \"true\"\n", 1, 11, "must be true or false"},
        BadCase{"DiscoverList", "discover: [true]\n", 1, 11, "must be true or false, got a list"},
        BadCase{"DiscoverEmpty", "discover:\nexclude: []\n", 1, 1,
                "must be true or false, got nothing"},
        BadCase{"DefaultsScalar", "defaults: 3m\n", 1, 11, "defaults: must be a mapping"},
        BadCase{"ExcludeScalar", "exclude: wg*\n", 1, 10, "exclude: must be a list"},
        BadCase{"ExcludeItemList", "exclude: [[a]]\n", 1, 11, "exclude[0]: must be a single value"},
        BadCase{"InterfacesMapping", "interfaces: {name: wg0}\n", 1, 13,
                "interfaces: must be a list"},
        BadCase{"InterfaceScalar", "interfaces:\n  - wg0\n", 2, 5,
                "interfaces[0]: an interface must be a mapping"},
        BadCase{"InterfaceEmptyItem", "interfaces:\n  -\n  - name: wg0\n", 2, 3,
                "interfaces[0]: the list item is empty"},
        BadCase{"InterfaceNameList", "interfaces:\n  - name: [wg0]\n", 2, 11,
                "interfaces[0].name: must be a single value, got a list"},
        BadCase{"InterfaceWithoutName", "interfaces:\n  - online_threshold: 3m\n", 2, 5,
                "interfaces[0]: an interface needs a name"},
        BadCase{"LabelsList", kIface + "    labels: [a, b]\n", 3, 13,
                "interfaces[0].labels: must be a mapping, got a list"},
        BadCase{"LabelValueList", kIface + "    labels:\n      site: [a]\n", 4, 13,
                "interfaces[0].labels.site: must be a single value"},
        BadCase{"LabelValueEmpty", kIface + "    labels:\n      site:\n", 4, 7,
                "interfaces[0].labels.site: must be a single value, got nothing"},
        BadCase{"PeersMapping", kPeers + "      public_key: x\n", 4, 7,
                "interfaces[0].peers: must be a list"},
        BadCase{"PeerScalar", kPeers + "      - " + kKey1 + "\n", 4, 9, "a peer must be a mapping"},
        BadCase{"PeerWithoutKey", kPeers + "      - name: alice\n", 4, 9,
                "interfaces[0].peers[0]: a peer needs a public_key"},
        BadCase{"PeerNameMapping",
                kPeers + "      - public_key: " + kKey1 + "\n        name: {a: b}\n", 5, 15,
                "interfaces[0].peers[0].name: must be a single value, got a mapping"},
        BadCase{"MetricsDisableScalar", "metrics:\n  disable: peer_info\n", 2, 12,
                "metrics.disable: must be a list"},
        BadCase{"UnknownMetricGroup", "metrics:\n  disable: [peer_bytes, peer_infos]\n", 2, 25,
                "unknown metric group \"peer_infos\"; allowed: peer_info, peer_bytes, "
                "peer_handshake_timestamp, peer_handshake_age, peer_keepalive, peer_online"},

        // Durations and their bounds.
        BadCase{"BadDurationUnit", "defaults:\n  online_threshold: 3x\n", 2, 21,
                "defaults.online_threshold: invalid duration \"3x\": unknown unit \"x\""},
        BadCase{"DurationWithoutUnit", "defaults:\n  read_timeout: 90\n", 2, 17,
                "invalid duration \"90\": missing unit"},
        BadCase{"DurationOutOfOrder", kIface + "    online_threshold: 30m1h\n", 3, 23,
                "interfaces[0].online_threshold: invalid duration \"30m1h\""},
        BadCase{"DurationNegative", kIface + "    online_threshold: -3m\n", 3, 23, "negative"},
        BadCase{"DurationList", "defaults:\n  online_threshold: [3m]\n", 2, 21,
                "must be a duration such as 90s, 3m or 1h30m, got a list"},
        BadCase{"DurationEmpty", "defaults:\n  online_threshold:\n", 2, 3,
                "defaults.online_threshold: must be a duration such as 90s, 3m or 1h30m, got "
                "nothing"},
        BadCase{"ZeroThreshold", "defaults:\n  online_threshold: 0\n", 2, 21,
                "must be greater than 0"},
        BadCase{"ZeroThresholdSeconds", kIface + "    online_threshold: 0s\n", 3, 23,
                "interfaces[0].online_threshold: must be greater than 0"},
        BadCase{"ZeroReadTimeout", "defaults:\n  read_timeout: 0ms\n", 2, 17,
                "must be greater than 0 and at most 1m, got 0s"},
        BadCase{"ReadTimeoutTooLong", kIface + "    read_timeout: 61s\n", 3, 19,
                "interfaces[0].read_timeout: must be greater than 0 and at most 1m, got 1m1s"},
        BadCase{"ReadTimeoutHours", "defaults:\n  read_timeout: 1h\n", 2, 17, "got 1h"},

        // Keys.
        BadCase{"KeyNotBase64", kPeers + "      - public_key: not-a-key\n", 4, 21,
                "interfaces[0].peers[0].public_key: not a WireGuard public key: expected 44 "
                "characters of canonical base64 (32 bytes), got 9 characters"},
        BadCase{"KeyNotCanonical",
                kPeers + "      - public_key: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQB=\n", 4,
                21, "not a WireGuard public key"},
        BadCase{"KeyWithoutPadding",
                kPeers + "      - public_key: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE\n", 4, 21,
                "got 43 characters"},
        BadCase{"KeyAsHex",
                kPeers + "      - public_key: "
                         "0101010101010101010101010101010101010101010101010101010101010101\n",
                4, 21, "got 64 characters"},
        BadCase{"KeyOf16Bytes", kPeers + "      - public_key: AQEBAQEBAQEBAQEBAQEBAQ==\n", 4, 21,
                "not a WireGuard public key"},

        // Duplicates.
        BadCase{"DuplicateInterface", "interfaces:\n  - name: wg0\n  - name: wg1\n  - name: wg0\n",
                4, 11, "interfaces[2].name: interface \"wg0\" is listed twice (first on line 2)"},
        BadCase{"DuplicatePeer",
                kPeers + "      - public_key: " + kKey1 + "\n      - public_key: " + kKey2 +
                    "\n      - public_key: \"" + kKey1 + "\"\n",
                6, 21,
                "interfaces[0].peers[2].public_key: peer " + std::string(kKey1) +
                    " is listed twice in interface \"wg0\" (first on line 4)"},

        // Labels.
        BadCase{"LabelStartsWithDigit", kIface + "    labels: {1site: x}\n", 3, 14,
                "interfaces[0].labels: label \"1site\" is not a valid label name (it must match "
                "[a-zA-Z_][a-zA-Z0-9_]*)"},
        BadCase{"LabelWithDash", kIface + "    labels:\n      my-site: x\n", 4, 7,
                "label \"my-site\" is not a valid label name"},
        BadCase{"LabelEmptyName", kIface + "    labels:\n      \"\": x\n", 4, 7,
                "label \"\" is not a valid label name"},
        BadCase{"LabelDoubleUnderscore", kIface + "    labels: {__meta: x}\n", 3, 14,
                "label \"__meta\" starts with \"__\""},
        BadCase{"LabelCollidesInterface", kIface + "    labels: {interface: x}\n", 3, 14,
                "label \"interface\" collides with a label the exporter or Prometheus sets "
                "itself (reserved: interface, netns, public_key, name, endpoint, allowed_ips, "
                "listen_port, implementation, protocol, version, revision, job, instance, le, "
                "quantile)"},
        BadCase{"PeerLabelCollidesName",
                kPeers + "      - public_key: " + kKey1 + "\n        labels: {name: x}\n", 5, 18,
                "interfaces[0].peers[0].labels: label \"name\" collides"},
        BadCase{"LabelCollidesNetns", kIface + "    labels: {netns: x}\n", 3, 14,
                "label \"netns\" collides"},
        // Namespaces.
        BadCase{"UnknownNamespacesKey", "namespaces:\n  discovr: [named]\n", 2, 3,
                "unknown key \"discovr\" in namespaces; allowed keys: discover, exclude, paths"},
        BadCase{"UnknownDiscoverWord", "namespaces:\n  discover: [named, containers]\n", 2, 21,
                "namespaces.discover[1]: unknown way to discover namespaces \"containers\"; "
                "allowed: named, processes"},
        BadCase{"DiscoverNotAList", "namespaces:\n  discover: named\n", 2, 13,
                "namespaces.discover: must be a list"},
        BadCase{"NamespacesExcludeBadGlob", "namespaces:\n  exclude: [\"cni-[\"]\n", 2, 13,
                "namespaces.exclude[0]: pattern \"cni-[\" has a '[' without its closing ']'"},
        BadCase{"PathWithoutName", "namespaces:\n  paths:\n    - path: /run/netns/a\n", 3, 7,
                "namespaces.paths[0]: a namespace needs a name"},
        BadCase{"PathWithoutPath", "namespaces:\n  paths:\n    - name: a\n", 3, 7,
                "namespaces.paths[0]: a namespace needs a path"},
        BadCase{"PathNameWithSpace",
                "namespaces:\n  paths:\n    - name: \"a b\"\n      path: /run/netns/a\n", 3, 13,
                "namespace name \"a b\" must be printable ASCII without whitespace"},
        BadCase{"PathNamedTwice",
                "namespaces:\n  paths:\n    - {name: a, path: /run/netns/a}\n"
                "    - {name: a, path: /run/netns/b}\n",
                4, 14, "namespace \"a\" is named twice (first on line 3)"},
        BadCase{"PathNotNsfs", "namespaces:\n  paths:\n    - {name: a, path: /etc/hostname}\n", 3,
                23, "\"/etc/hostname\" is not a namespace file (nsfs)"},
        BadCase{"PathOfAnotherNamespaceType",
                "namespaces:\n  paths:\n    - {name: a, path: /proc/self/ns/mnt}\n", 3, 23,
                "is a namespace file, but not of a network namespace"},
        BadCase{"InterfaceNetnsBadName", kIface + "    netns: \"a\\\\b\"\n", 3, 12,
                "namespace name \"a\\b\" must not contain"},
        BadCase{"SameInterfaceTwiceInOneNamespace",
                "interfaces:\n  - {name: wg0, netns: vpn-a}\n  - {name: wg0, netns: vpn-a}\n", 3,
                12, "interface \"wg0\" of namespace \"vpn-a\" is listed twice (first on line 2)"},
        BadCase{"LabelCollidesJob", kIface + "    labels: {job: x}\n", 3, 14, "\"job\" collides"},
        BadCase{"LabelCollidesInstance", kIface + "    labels: {instance: x}\n", 3, 14, "collides"},
        BadCase{"LabelCollidesLe", kIface + "    labels: {le: x}\n", 3, 14, "collides"},
        BadCase{"LabelCollidesQuantile", kIface + "    labels: {quantile: x}\n", 3, 14, "collides"},
        BadCase{"LabelCollidesEndpoint", kIface + "    labels: {endpoint: x}\n", 3, 14, "collides"},
        BadCase{"LabelCollidesAllowedIps", kIface + "    labels: {allowed_ips: x}\n", 3, 14,
                "collides"},
        BadCase{"LabelCollidesPublicKey", kIface + "    labels: {public_key: x}\n", 3, 14,
                "collides"},
        BadCase{"LabelCollidesListenPort", kIface + "    labels: {listen_port: x}\n", 3, 14,
                "collides"},
        BadCase{"LabelCollidesImplementation", kIface + "    labels: {implementation: x}\n", 3, 14,
                "collides"},
        BadCase{"LabelCollidesVersion", kIface + "    labels: {version: x}\n", 3, 14, "collides"},
        BadCase{"LabelCollidesRevision", kIface + "    labels: {revision: x}\n", 3, 14, "collides"},
        BadCase{"DuplicateLabel", kIface + "    labels:\n      site: a\n      site: b\n", 5, 7,
                "interfaces[0].labels: duplicate label \"site\""},

        // Interface names.
        BadCase{"InterfaceNameEmpty", "interfaces:\n  - name: \"\"\n", 2, 11,
                "interface name \"\" must not be empty"},
        BadCase{"InterfaceNameTooLong", "interfaces:\n  - name: abcdefghijklmnop\n", 2, 11,
                "interface name \"abcdefghijklmnop\" is longer than 15 characters"},
        BadCase{"InterfaceNameSlash", "interfaces:\n  - name: wg/0\n", 2, 11,
                "must not contain '/'"},
        BadCase{"InterfaceNameSpace", "interfaces:\n  - name: \"wg 0\"\n", 2, 11,
                "must not contain whitespace"},
        BadCase{"InterfaceNameTab", "interfaces:\n  - name: \"wg\\t0\"\n", 2, 11,
                "must not contain whitespace"},
        BadCase{"InterfaceNameDot", "interfaces:\n  - name: .\n", 2, 11,
                "must not be \".\" or \"..\""},
        BadCase{"InterfaceNameDotDot", "interfaces:\n  - name: ..\n", 2, 11,
                "must not be \".\" or \"..\""},
        BadCase{"InterfaceNameColon", "interfaces:\n  - name: \"wg:0\"\n", 2, 11,
                "must not contain ':'"},

        // Exclude globs.
        BadCase{"GlobUnclosedBracket", "exclude: [\"wg*\", \"wg[0-9\"]\n", 1, 18,
                "exclude[1]: pattern \"wg[0-9\" has a '[' without its closing ']'"},
        BadCase{"GlobTrailingBackslash", "exclude:\n  - 'wg\\'\n", 2, 5, "ends with a lone '\\'"},
        BadCase{"GlobSlash", "exclude: [\"a/*\"]\n", 1, 11, "contains '/'"},
        BadCase{"GlobEmpty", "exclude: [\"\"]\n", 1, 11, "pattern \"\" is empty"},
        BadCase{"GlobUnknownClass", "exclude: [\"wg[[:digits:]]\"]\n", 1, 11,
                "unknown character class [:digits:]"},

        // YAML itself.
        // yaml-cpp marks where it noticed the problem: the start of the next line.
        BadCase{"SyntaxUnclosedFlow", "exclude: [\"wg*\"\ninterfaces: []\n", 2, 1,
                "YAML syntax error: end of sequence flow not found"},
        BadCase{"SyntaxIllegalMapValue", "discover: true: false\n", 1, 15,
                "YAML syntax error: illegal map value"},
        BadCase{"SyntaxTab", "defaults:\n\tread_timeout: 1s\n", 2, 14,
                "YAML syntax error: illegal map value"},
        BadCase{"SyntaxUnknownAlias", "discover: *nothing\n", 1, 11, "YAML syntax error"},
        // Reported at the "---" that starts the second document.
        BadCase{"TwoDocuments", "discover: true\n---\ndiscover: false\n", 2, 1,
                "more than one YAML document"},
        // yaml-cpp 0.7's LoadAll never returns on this one; it must be an error.
        BadCase{"StrayTopLevelPunctuation", ",%", 1, 1, "more than one YAML document"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

TEST(Loader, ParseFailureLeavesNothingHalfApplied) {
  // The error is the only result: there is no partially filled Config to use.
  LoadResult result =
      LoadConfigFromString(kIface + "    online_threshold: 10s\n  - name: wg0\n", "cfg.yml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(result));
}

// ----------------------------------------------------------- files and wg-quick

std::string WgQuick(const std::string& peers) {
  return "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nListenPort = "
         "51820\n" +
         peers;
}

std::string NamedPeer(const char* key, const std::string& name) {
  return "\n[Peer]\n# friendly_name = " + name + "\nPublicKey = " + key +
         "\nAllowedIPs = 10.0.0.2/32\n";
}

bool HasSource(const Config& config, const std::string& path) {
  return std::any_of(config.sources.begin(), config.sources.end(),
                     [&](const FileStamp& s) { return s.path == path && s.exists; });
}

TEST(LoaderFiles, MissingFileDirectoryAndOversizedAreErrors) {
  TempDir dir;
  const ConfigError missing = LoadFileBad(dir.Path("nope.yml"));
  EXPECT_EQ(missing.file, dir.Path("nope.yml"));
  EXPECT_EQ(missing.line, 0);
  EXPECT_THAT(missing.message, HasSubstr("No such file or directory"));

  const ConfigError directory = LoadFileBad(dir.path());
  EXPECT_THAT(directory.message, HasSubstr("is a directory"));
}

TEST(LoaderFiles, FileErrorsNameThePath) {
  TempDir dir;
  dir.Write("cfg.yml", "interfaces:\n  - name: wg0\n    online_threshold: 3q\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.ToString(), dir.Path("cfg.yml") +
                                  ":3:23: interfaces[0].online_threshold: invalid duration \"3q\": "
                                  "unknown unit \"q\"; use <number><unit> groups with units y, w, "
                                  "d, h, m, s, ms in that order, e.g. 90s, 3m, 1h30m");
}

TEST(LoaderFiles, WgQuickNamesMergeUnderYamlNames) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wireguard"));
  dir.Write("wireguard/wg0.conf",
            WgQuick(NamedPeer(kKey1, "from-wg-quick-1") + NamedPeer(kKey2, "from-wg-quick-2") +
                    NamedPeer(kKey3, "from-wg-quick-3") + NamedPeer(kKey4, "from-wg-quick-4")));
  // A relative path is relative to the YAML file, not to the working directory.
  dir.Write("cfg.yml", std::string() +
                           "interfaces:\n"
                           "  - name: wg0\n"
                           "    wg_quick_config: wireguard/wg0.conf\n"
                           "    labels: {site: fra1}\n"
                           "    peers:\n"
                           "      - public_key: " +
                           kKey1 +
                           "\n"
                           "        name: yaml-wins\n"
                           "      - public_key: " +
                           kKey2 +
                           "\n"
                           "        labels: {owner: bob}\n"
                           "      - public_key: " +
                           kKey3 +
                           "\n"
                           "        name: \"\"\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  const InterfaceConfig& wg0 = config->interfaces.at(0);
  ASSERT_EQ(wg0.peers.size(), 4u);
  EXPECT_EQ(wg0.peers.at(K(kKey1)).name, "yaml-wins");
  EXPECT_EQ(wg0.peers.at(K(kKey2)).name, "from-wg-quick-2");  // YAML gave labels, no name
  EXPECT_THAT(wg0.peers.at(K(kKey2)).labels,
              ElementsAre(Pair("owner", "bob"), Pair("site", "fra1")));
  EXPECT_EQ(wg0.peers.at(K(kKey3)).name, "");  // an explicit empty YAML name still wins
  // Named only by wg-quick: present, with the interface's labels.
  EXPECT_EQ(wg0.peers.at(K(kKey4)).name, "from-wg-quick-4");
  EXPECT_THAT(wg0.peers.at(K(kKey4)).labels, ElementsAre(Pair("site", "fra1")));

  EXPECT_EQ(config->sources.at(0).path, dir.Path("cfg.yml"));
  EXPECT_TRUE(HasSource(*config, dir.Path("wireguard/wg0.conf")));
}

TEST(LoaderFiles, MissingExplicitWgQuickFileIsAnErrorAtItsKey) {
  TempDir dir;
  dir.Write("cfg.yml",
            "interfaces:\n"
            "  - name: wg0\n"
            "    wg_quick_config: missing.conf\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.file, dir.Path("cfg.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 22);
  EXPECT_THAT(
      error.message,
      HasSubstr("interfaces[0].wg_quick_config: cannot read wg-quick file \"" +
                dir.Path("missing.conf") + "\" of interface \"wg0\": No such file or directory"));
}

TEST(LoaderFiles, EmptyWgQuickPathIsAnError) {
  const ConfigError error = LoadBad("interfaces:\n  - name: wg0\n    wg_quick_config: \"\"\n");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 22);
  EXPECT_THAT(error.message, HasSubstr("must not be empty"));
}

TEST(LoaderFiles, BrokenWgQuickFileIsAnErrorWithItsPathAndLine) {
  TempDir dir;
  dir.Write("wg0.conf", WgQuick("\n[Peer]\nPublicKey = nonsense\n"));
  dir.Write("cfg.yml",
            "interfaces:\n  - name: wg0\n    wg_quick_config: " + dir.Path("wg0.conf") + "\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.file, dir.Path("wg0.conf"));
  EXPECT_EQ(error.line, 6);
  EXPECT_EQ(error.column, 0);
  EXPECT_THAT(error.message, HasSubstr("PublicKey is not a WireGuard key"));
  EXPECT_THAT(error.message, HasSubstr("interface \"wg0\""));
  EXPECT_THAT(error.ToString(), ::testing::Not(HasSubstr("yAnz5TF")));
}

TEST(LoaderFiles, WgQuickDirectoryNamesListedAndDiscoveredInterfaces) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wg"));
  dir.Write("wg/wg0.conf", WgQuick(NamedPeer(kKey1, "listed-peer")));
  dir.Write("wg/wg7.conf", WgQuick(NamedPeer(kKey2, "discovered-peer")));
  dir.Write("wg/wgtest1.conf", "this would not parse\n");  // excluded: never read
  dir.Write("wg/notes.txt", "not a wg-quick file\n");
  dir.Write("wg/this-name-is-far-too-long.conf", "not an interface name: never read\n");
  std::filesystem::create_directory(dir.Path("wg/wg8.conf"));  // not a file: skipped
  dir.Write("cfg.yml",
            "exclude: [\"wgtest*\"]\n"
            "wg_quick:\n"
            "  directory: wg\n"
            "interfaces:\n"
            "  - name: wg0\n"
            "    labels: {site: x}\n"
            "  - name: wg1\n");  // no wg1.conf: fine in the directory form
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  ASSERT_EQ(config->interfaces.size(), 2u);
  EXPECT_EQ(config->interfaces[0].peers.at(K(kKey1)).name, "listed-peer");
  EXPECT_THAT(config->interfaces[0].peers.at(K(kKey1)).labels, ElementsAre(Pair("site", "x")));
  EXPECT_TRUE(config->interfaces[1].peers.empty());

  ASSERT_EQ(config->discovered_peers.size(), 1u);
  const PeerConfig* discovered = config->FindPeer("wg7", K(kKey2));
  ASSERT_NE(discovered, nullptr);
  EXPECT_EQ(discovered->name, "discovered-peer");
  EXPECT_TRUE(discovered->labels.empty());
  EXPECT_EQ(config->Find("wg7"), nullptr);  // names only: wg7 is not "listed"

  EXPECT_TRUE(HasSource(*config, dir.Path("wg")));
  EXPECT_TRUE(HasSource(*config, dir.Path("wg/wg0.conf")));
  EXPECT_TRUE(HasSource(*config, dir.Path("wg/wg7.conf")));
  EXPECT_FALSE(HasSource(*config, dir.Path("wg/wgtest1.conf")));
}

TEST(LoaderFiles, WgQuickDirectoryIsIgnoredForDiscoveryWhenDiscoverIsOff) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wg"));
  dir.Write("wg/wg7.conf", WgQuick(NamedPeer(kKey2, "discovered-peer")));
  dir.Write("cfg.yml", "discover: false\nwg_quick:\n  directory: " + dir.Path("wg") + "\n");
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  EXPECT_TRUE(config->discovered_peers.empty());
}

TEST(LoaderFiles, BrokenFileInWgQuickDirectoryIsAnError) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wg"));
  dir.Write("wg/wg5.conf", WgQuick("[Peer]\nAllowedIPs = 10.0.0.1/32\n"));
  dir.Write("cfg.yml", "wg_quick:\n  directory: wg\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.file, dir.Path("wg/wg5.conf"));
  EXPECT_EQ(error.line, 4);
  EXPECT_THAT(error.message, HasSubstr("[Peer] section has no PublicKey"));
}

TEST(LoaderFiles, MissingWgQuickDirectoryIsAnError) {
  TempDir dir;
  dir.Write("cfg.yml", "discover: true\nwg_quick:\n  directory: nowhere\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.file, dir.Path("cfg.yml"));
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 14);
  EXPECT_THAT(error.message,
              HasSubstr("wg_quick.directory: \"" + dir.Path("nowhere") + "\" does not exist"));
}

TEST(LoaderFiles, WgQuickDirectoryThatIsAFileIsAnError) {
  TempDir dir;
  dir.Write("wg0.conf", "");
  dir.Write("cfg.yml", "wg_quick:\n  directory: wg0.conf\n");
  const ConfigError error = LoadFileBad(dir.Path("cfg.yml"));
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 14);
  EXPECT_THAT(error.message, HasSubstr("wg0.conf\" is not a directory"));
}

TEST(LoaderFiles, ExampleConfigurationLoads) {
  const std::string example = std::string(WGX_TEST_DATA_DIR) + "/../../config/example.yml";
  const auto config = LoadFileOk(example);
  ASSERT_EQ(config->interfaces.size(), 3u);
  EXPECT_EQ(config->interfaces[0].name, "wg0");
  EXPECT_EQ(config->interfaces[0].online_threshold, milliseconds{150'000});
  EXPECT_EQ(config->interfaces[0].peers.size(), 2u);
  EXPECT_EQ(config->interfaces[1].online_threshold, milliseconds{180'000});
  EXPECT_EQ(config->interfaces[2].name, "wg0");
  EXPECT_EQ(config->interfaces[2].netns, "vpn-a");
  EXPECT_THAT(config->exclude, ElementsAre("wgtest*"));
  EXPECT_TRUE(config->namespaces.OwnOnly());
}

TEST(LoaderFiles, ExampleWithWgQuickKeysUncommentedLoads) {
  // The commented-out keys of the example are valid too once their files exist.
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wireguard"));
  dir.Write("wireguard/wg0.conf", WgQuick(NamedPeer(kKey1, "from-file")));
  std::string text = ReadFile(std::string(WGX_TEST_DATA_DIR) + "/../../config/example.yml");
  const auto uncomment = [&](const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  };
  uncomment("# wg_quick:\n#   directory: /etc/wireguard", "wg_quick:\n  directory: wireguard");
  uncomment("    # wg_quick_config: [/etc/wireguard/wg0.conf, \"/etc/wireguard/clients/*.conf\"]",
            "    wg_quick_config: [wireguard/wg0.conf, \"wireguard/clients/*.conf\"]");
  uncomment("  # exclude_peers: [\"test-*\"]", "  exclude_peers: [\"test-*\"]");
  uncomment("    # exclude_peers: [\"guest-*\"]", "    exclude_peers: [\"guest-*\"]");
  // A database that does not exist here is only a warning.
  uncomment("    # peer_databases: [{kind: wg-easy, path: /etc/wireguard/wg-easy.db}]",
            "    peer_databases: [{kind: wg-easy, path: wireguard/wg-easy.db}]");
  uncomment(
      "# namespaces:\n#   discover: [named, processes]\n#   exclude: [\"cni-*\"]          # globs "
      "over discovered namespaces' names\n#   paths:                      # always read, by any "
      "nsfs file\n#     - name: vpn-a\n#       path: /run/netns/vpn-a",
      "namespaces:\n  discover: [named, processes]\n  exclude: [\"cni-*\"]\n  paths:\n    - "
      "name: vpn-a\n      path: /run/netns/vpn-a");
  dir.Write("cfg.yml", text);
  const auto config = LoadFileOk(dir.Path("cfg.yml"));
  EXPECT_EQ(config->interfaces.at(0).peers.at(K(kKey1)).name, "from-file");
  EXPECT_THAT(config->interfaces.at(0).exclude_peers, ElementsAre("test-*", "guest-*"));
  EXPECT_TRUE(config->namespaces.named && config->namespaces.processes);
  EXPECT_EQ(config->namespaces.paths.at(0).name, "vpn-a");
}

}  // namespace
}  // namespace wgx
