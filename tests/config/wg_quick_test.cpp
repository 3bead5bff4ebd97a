#include "exporter/config/wg_quick.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char kKey1[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const char kKey2[] = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
const char kKey3[] = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";
const char kKey4[] = "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=";
// A private key line the parser must never repeat in an error.
const char kPrivateLine[] = "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";

Key K(const char* base64) { return *Key::FromBase64(base64); }

PeerNames ParseOk(const std::string& text) {
  auto result = ParseWgQuickPeerNames(text);
  if (auto* error = std::get_if<WgQuickParseError>(&result)) {
    ADD_FAILURE() << "line " << error->line << ": " << error->message;
    return {};
  }
  return std::get<PeerNames>(std::move(result));
}

WgQuickParseError ParseBad(const std::string& text) {
  auto result = ParseWgQuickPeerNames(text);
  if (!std::holds_alternative<WgQuickParseError>(result)) {
    ADD_FAILURE() << "parsed although it should not:\n" << text;
    return {};
  }
  return std::get<WgQuickParseError>(std::move(result));
}

std::string Header() {
  return std::string("[Interface]\n") + kPrivateLine + "\nListenPort = 51820\n";
}

TEST(WgQuick, FriendlyNameInsideThePeerSection) {
  const PeerNames names = ParseOk(Header() +
                                  "\n[Peer]\n"
                                  "# friendly_name = alice-laptop\n"
                                  "PublicKey = " +
                                  kKey1 +
                                  "\n"
                                  "AllowedIPs = 10.0.0.2/32\n");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.at(K(kKey1)), "alice-laptop");
}

TEST(WgQuick, NameCommentAboveThePeerHeader) {
  const PeerNames names = ParseOk(Header() +
                                  "\n# Name = bob phone\n"
                                  "[Peer]\n"
                                  "PublicKey = " +
                                  kKey2 +
                                  "\n"
                                  "AllowedIPs = 10.0.0.3/32\n");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.at(K(kKey2)), "bob phone");
}

TEST(WgQuick, KeyIsCaseInsensitiveAndSpacingFree) {
  const PeerNames names =
      ParseOk(Header() + "[Peer]\n#FRIENDLY_NAME=one\nPublicKey=" + kKey1 + "\n" +
              "[Peer]\n#   name    =    two words  \nPublicKey = " + kKey2 + "\n" +
              "[Peer]\nPublicKey = " + kKey3 + "\n# NaMe = three\n");
  EXPECT_EQ(names.at(K(kKey1)), "one");
  EXPECT_EQ(names.at(K(kKey2)), "two words");
  EXPECT_EQ(names.at(K(kKey3)), "three");  // after PublicKey, at the end of the file
}

TEST(WgQuick, CommentAtTheEndOfASectionNamesTheNextPeer) {
  const PeerNames names = ParseOk(Header() +
                                  "[Peer]\n"
                                  "PublicKey = " +
                                  kKey1 +
                                  "\n"
                                  "AllowedIPs = 10.0.0.2/32\n"
                                  "\n"
                                  "# Name = second\n"
                                  "\n"
                                  "[Peer]\n"
                                  "PublicKey = " +
                                  kKey2 + "\n");
  EXPECT_EQ(names.count(K(kKey1)), 0u);
  EXPECT_EQ(names.at(K(kKey2)), "second");
}

TEST(WgQuick, NameInsideTheSectionWinsOverTheOneAbove) {
  const PeerNames names = ParseOk(
      Header() + "# Name = above\n[Peer]\n# friendly_name = inside\nPublicKey = " + kKey1 + "\n");
  EXPECT_EQ(names.at(K(kKey1)), "inside");
}

TEST(WgQuick, LastNameInTheSameSectionWins) {
  const PeerNames names =
      ParseOk(Header() + "[Peer]\n# Name = first\n# friendly_name = second\nPublicKey = " + kKey1 +
              "\nAllowedIPs = 10.0.0.2/32\n");
  EXPECT_EQ(names.at(K(kKey1)), "second");
}

TEST(WgQuick, PeersWithoutNamesAreLeftOut) {
  const PeerNames names = ParseOk(Header() +
                                  "[Peer]\n# just a comment\n# friendly_json = {}\n"
                                  "PublicKey = " +
                                  kKey1 +
                                  "\n"
                                  "[Peer]\n# Name =\n# Name =    \nPublicKey = " +
                                  kKey2 +
                                  "\n"
                                  "[Peer]\n# Name = named\nPublicKey = " +
                                  kKey3 + "\n");
  EXPECT_EQ(names.size(), 1u);
  EXPECT_EQ(names.at(K(kKey3)), "named");
}

TEST(WgQuick, CommentsAboveInterfaceDoNotLeakIntoPeers) {
  const PeerNames names =
      ParseOk("# Name = the server\n" + Header() + "[Peer]\nPublicKey = " + kKey1 + "\n");
  EXPECT_TRUE(names.empty());
}

TEST(WgQuick, CrLfLineEndingsAndByteOrderMark) {
  const std::string text =
      std::string("\xEF\xBB\xBF[Interface]\r\n") + kPrivateLine +
      "\r\n\r\n[Peer]\r\n# friendly_name = windows box\r\nPublicKey = " + kKey4 +
      "\r\nAllowedIPs = 10.0.0.9/32\r\n";
  const PeerNames names = ParseOk(text);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.at(K(kKey4)), "windows box");  // no trailing '\r'
}

TEST(WgQuick, InlineCommentsAndCaseOfKeysAndSections) {
  const PeerNames names =
      ParseOk(Header() + "[peer] # trailing comment\n# Name = x\npublickey = " + kKey1 +
              "   # comment after the key\n");
  EXPECT_EQ(names.at(K(kKey1)), "x");
}

TEST(WgQuick, RealisticFileWithManyPeers) {
  std::string text = Header() + "PostUp = iptables -A FORWARD -i %i -j ACCEPT # forward\n";
  const char* keys[] = {kKey1, kKey2, kKey3, kKey4};
  for (int i = 0; i < 4; ++i) {
    text += "\n[Peer]\n# friendly_name = peer " + std::to_string(i) + "\nPublicKey = " + keys[i] +
            "\nPresharedKey = " + keys[(i + 1) % 4] + "\nAllowedIPs = 10.0.0." +
            std::to_string(i + 2) + "/32\nPersistentKeepalive = 25\n";
  }
  const PeerNames names = ParseOk(text);
  ASSERT_EQ(names.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(names.at(K(keys[i])), "peer " + std::to_string(i));
}

TEST(WgQuick, EmptyAndCommentOnlyFiles) {
  EXPECT_TRUE(ParseOk("").empty());
  EXPECT_TRUE(ParseOk("# nothing here\n\n").empty());
  EXPECT_TRUE(ParseOk(Header()).empty());
}

struct BadCase {
  std::string text;
  int line;
  std::string reason;
};

TEST(WgQuick, ErrorsNameTheLineAndNeverTheSecret) {
  const std::string header = Header();  // three lines
  const BadCase cases[] = {
      {"ListenPort = 1\n", 1, "outside any section"},
      {header + "[Peers]\n", 4, "unknown section"},
      {header + "[Peer]\nPublicKey = " + kKey1 + "\njust words\n", 6, "expected \"Key = Value\""},
      {header + "[Peer]\n= value\n", 5, "expected \"Key = Value\""},
      {header + "[Peer]\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = " + kKey2 + "\n", 4,
       "no PublicKey"},
      {header + "[Peer]\nAllowedIPs = 10.0.0.2/32\n", 4, "no PublicKey"},
      {header + "[Peer]\nPublicKey = " + kKey1 + "\nPublicKey = " + kKey2 + "\n", 6,
       "second PublicKey"},
      {header + "[Peer]\nPublicKey = not-a-key\n", 5, "not a WireGuard key"},
      {header + "[Peer]\nPublicKey = AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQB=\n", 5,
       "not a WireGuard key"},
      {header + "[Peer]\nPublicKey = " + kKey1 + "\n[Peer]\nPublicKey = " + kKey1 + "\n", 7,
       "already used by the [Peer] section on line 4"},
      {kPrivateLine + std::string("\n"), 1, "outside any section"},
      {"[Interface]\nListenPort 51820\n", 2, "expected \"Key = Value\""},
  };
  for (const BadCase& c : cases) {
    const WgQuickParseError error = ParseBad(c.text);
    EXPECT_EQ(error.line, c.line) << c.text;
    EXPECT_THAT(error.message, HasSubstr(c.reason)) << c.text;
    EXPECT_THAT(error.message, Not(HasSubstr("yAnz5TF"))) << c.text;
    EXPECT_THAT(error.message, Not(HasSubstr(kKey1))) << c.text;
  }
}

}  // namespace
}  // namespace wgx
