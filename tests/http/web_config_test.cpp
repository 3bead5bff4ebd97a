#include "exporter/http/web_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

// bcrypt of "secret", cost 10.
constexpr char kSecretHash[] = "$2y$10$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l2";

std::string Basic(const std::string& user_colon_password) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  const std::string& in = user_colon_password;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? alphabet[v & 63] : '=';
  }
  return "Basic " + out;
}

ConfigError ErrorOf(const std::string& yaml) {
  auto parsed = ParseWebConfig(yaml, "web.yml");
  if (auto* e = std::get_if<ConfigError>(&parsed)) return *e;
  ADD_FAILURE() << "accepted: " << yaml;
  return {};
}

TEST(WebConfigTest, DecodesBase64) {
  EXPECT_EQ(DecodeBase64("YWxpY2U6c2VjcmV0").value(), "alice:secret");
  EXPECT_EQ(DecodeBase64("YQ==").value(), "a");
  EXPECT_EQ(DecodeBase64("YWI=").value(), "ab");
  EXPECT_FALSE(DecodeBase64("YQ=").has_value());
  EXPECT_FALSE(DecodeBase64("Y=Q=").has_value());
  EXPECT_FALSE(DecodeBase64("!!!!").has_value());
}

TEST(WebConfigTest, ParsesExporterToolkitFormat) {
  auto parsed = ParseWebConfig(std::string("basic_auth_users:\n  alice: ") + kSecretHash +
                                   "\nhttp_server_config:\n  http2: true\n  headers:\n"
                                   "    X-Frame-Options: deny\nauth_exempt_paths: [/-/healthy]\n",
                               "web.yml");
  ASSERT_TRUE(std::holds_alternative<WebConfig>(parsed))
      << std::get<ConfigError>(parsed).ToString();
  const auto& config = std::get<WebConfig>(parsed);
  EXPECT_EQ(config.basic_auth_users.at("alice"), kSecretHash);
  ASSERT_EQ(config.headers.size(), 1u);
  EXPECT_EQ(config.headers[0].first, "X-Frame-Options");
  EXPECT_EQ(config.auth_exempt_paths, std::vector<std::string>{"/-/healthy"});
}

TEST(WebConfigTest, RejectsBadFilesWithLocation) {
  ConfigError e = ErrorOf("basic_auth_users:\n  alice: plaintext\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 10);
  EXPECT_NE(e.message.find("not a bcrypt hash"), std::string::npos);

  // A cost that would keep the first login busy for hours is refused at load.
  e = ErrorOf(
      "basic_auth_users:\n  alice: $2b$24$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l2\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("has bcrypt cost 24; use a cost from 4 to 14"), std::string::npos)
      << e.message;
  e = ErrorOf(
      "basic_auth_users:\n  alice: $2y$10$JqAA3ikF4x26Uh0MkGrqWe1dNpisEN6/TLf9mezmBQY2U/ybrY7l!\n");
  EXPECT_NE(e.message.find("is not a bcrypt hash"), std::string::npos) << e.message;

  // tls_server_config has its own tests (tls_config_test.cpp); its errors
  // are located the same way.
  e = ErrorOf("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  foo: 1\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.column, 3);
  EXPECT_NE(e.message.find("tls_server_config: unknown key \"foo\""), std::string::npos);

  e = ErrorOf("basic_auth_user:\n  alice: x\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("unknown key \"basic_auth_user\""), std::string::npos);

  e = ErrorOf("basic_auth_users: [a, b]\n");
  EXPECT_NE(e.message.find("expected a mapping"), std::string::npos);

  e = ErrorOf("basic_auth_users:\n  alice: [\n");
  EXPECT_NE(e.message.find("invalid YAML"), std::string::npos);
  EXPECT_GT(e.line, 0);

  e = ErrorOf("http_server_config:\n  headers:\n    \"Bad: name\": x\n");
  EXPECT_NE(e.message.find("invalid header"), std::string::npos);
}

class WebAuthFileTest : public ::testing::Test {
 protected:
  // A new file (new inode) each time, so the change is seen even within one
  // mtime tick and with the same size.
  void Write(const std::string& text) { temp_.WriteAtomically("web.yml", text); }
  testing::TempDir temp_;
  const std::string dir_ = temp_.path();
  const std::string path_ = temp_.Path("web.yml");
};

TEST_F(WebAuthFileTest, ChecksCredentialsAndExemptions) {
  Write(std::string("basic_auth_users:\n  alice: ") + kSecretHash +
        "\nauth_exempt_paths: [/-/healthy]\n");
  WebAuth auth(path_);
  ASSERT_FALSE(auth.LoadInitial().has_value());
  EXPECT_EQ(auth.Check("/metrics", nullptr), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/metrics", Basic("alice:secret").c_str()), WebAuth::Decision::kAllow);
  // Again, now from the cache of verified credentials.
  EXPECT_EQ(auth.Check("/metrics", Basic("alice:secret").c_str()), WebAuth::Decision::kAllow);
  EXPECT_EQ(auth.Check("/metrics", Basic("alice:wrong").c_str()), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/metrics", Basic("bob:secret").c_str()), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/metrics", "Bearer abc"), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/metrics", "Basic !!!"), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/-/healthy", nullptr), WebAuth::Decision::kAllow);
  EXPECT_EQ(auth.Check("/-/ready", nullptr), WebAuth::Decision::kDeny);
}

TEST_F(WebAuthFileTest, RereadsTheFileAndKeepsTheLastGoodOne) {
  Write(std::string("basic_auth_users:\n  alice: ") + kSecretHash + "\n");
  WebAuth auth(path_);
  ASSERT_FALSE(auth.LoadInitial().has_value());
  EXPECT_EQ(auth.Check("/metrics", Basic("alice:secret").c_str()), WebAuth::Decision::kAllow);

  Write(std::string("basic_auth_users:\n  carol: ") + kSecretHash + "\n# renamed\n");
  EXPECT_EQ(auth.Check("/metrics", Basic("alice:secret").c_str()), WebAuth::Decision::kDeny);
  EXPECT_EQ(auth.Check("/metrics", Basic("carol:secret").c_str()), WebAuth::Decision::kAllow);

  Write("basic_auth_users: [broken\n");
  EXPECT_EQ(auth.Check("/metrics", Basic("carol:secret").c_str()), WebAuth::Decision::kAllow);
}

TEST_F(WebAuthFileTest, NoFileMeansNoAuthentication) {
  WebAuth auth(std::nullopt);
  ASSERT_FALSE(auth.LoadInitial().has_value());
  EXPECT_EQ(auth.Check("/metrics", nullptr), WebAuth::Decision::kAllow);
}

TEST_F(WebAuthFileTest, MissingFileIsAnErrorAtStart) {
  WebAuth auth(dir_ + "/absent.yml");
  auto error = auth.LoadInitial();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->ToString().find("absent.yml"), std::string::npos);
}

}  // namespace
}  // namespace wgx
