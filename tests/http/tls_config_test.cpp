#include "exporter/http/tls_config.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "exporter/http/tls_material.h"
#include "exporter/http/web_config.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

constexpr char kBase[] = "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n";

TlsServerConfig Parsed(const std::string& yaml, const std::string& file = "/etc/wgx/web.yml") {
  auto parsed = ParseWebConfig(yaml, file);
  if (auto* e = std::get_if<ConfigError>(&parsed)) {
    ADD_FAILURE() << "refused: " << e->ToString() << "\n" << yaml;
    return {};
  }
  const auto& config = std::get<WebConfig>(parsed);
  if (!config.tls) {
    ADD_FAILURE() << "no TLS in: " << yaml;
    return {};
  }
  return *config.tls;
}

// The error text "FILE:LINE:COLUMN: message" of a refused file.
std::string Refusal(const std::string& yaml) {
  auto parsed = ParseWebConfig(yaml, "web.yml");
  if (auto* e = std::get_if<ConfigError>(&parsed)) return e->ToString();
  ADD_FAILURE() << "accepted: " << yaml;
  return {};
}

TEST(TlsConfigTest, DefaultsAreExporterToolkits) {
  const TlsServerConfig c = Parsed(kBase);
  EXPECT_EQ(c.cert.path, "/etc/wgx/a.crt");
  EXPECT_EQ(c.key.path, "/etc/wgx/a.key");
  EXPECT_EQ(c.client_auth, ClientAuth::kNoClientCert);
  EXPECT_EQ(c.min_version, 0x0303);
  EXPECT_EQ(c.max_version, 0x0304);
  EXPECT_TRUE(c.prefer_server_cipher_suites);
  EXPECT_TRUE(c.cipher_list.empty());
  EXPECT_TRUE(c.ciphersuites.empty());
  EXPECT_TRUE(c.groups.empty());
  EXPECT_TRUE(c.client_ca.empty());
  EXPECT_EQ(c.Files(), (std::vector<std::string>{"/etc/wgx/a.crt", "/etc/wgx/a.key"}));
}

TEST(TlsConfigTest, RelativePathsResolveAgainstTheConfigFilesDirectory) {
  const TlsServerConfig c = Parsed(
      "tls_server_config:\n  cert_file: ../certs/./a.crt\n  key_file: /abs/a.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca/ca.pem\n",
      "/etc/wgx/sub/web.yml");
  EXPECT_EQ(c.cert.path, "/etc/wgx/certs/a.crt");
  EXPECT_EQ(c.key.path, "/abs/a.key");
  EXPECT_EQ(c.client_ca.path, "/etc/wgx/sub/ca/ca.pem");
  EXPECT_EQ(Parsed(kBase, "web.yml").cert.path, "a.crt");
}

TEST(TlsConfigTest, EmptyOrAbsentSectionIsPlainHttp) {
  for (const char* yaml : {"", "tls_server_config:\n", "tls_server_config: {}\n",
                           "tls_server_config:\n  cert_file: \"\"\n  client_auth_type: \"\"\n"}) {
    auto parsed = ParseWebConfig(yaml, "web.yml");
    ASSERT_TRUE(std::holds_alternative<WebConfig>(parsed)) << yaml;
    EXPECT_FALSE(std::get<WebConfig>(parsed).tls.has_value()) << yaml;
  }
}

TEST(TlsConfigTest, EveryClientAuthType) {
  const std::pair<const char*, ClientAuth> cases[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, auth] : cases) {
    const std::string ca = auth == ClientAuth::kNoClientCert ? "" : "  client_ca_file: ca.crt\n";
    const TlsServerConfig c =
        Parsed(std::string(kBase) + "  client_auth_type: " + name + "\n" + ca);
    EXPECT_EQ(c.client_auth, auth) << name;
  }
  const TlsServerConfig any =
      Parsed(std::string(kBase) + "  client_auth_type: RequireAnyClientCert\n");
  EXPECT_TRUE(any.RequestsClientCert());
  EXPECT_TRUE(any.RequiresClientCert());
  EXPECT_FALSE(any.VerifiesClientCert());
  EXPECT_EQ(Refusal(std::string(kBase) + "  client_auth_type: Always\n"),
            "web.yml:4:21: tls_server_config: client_auth_type: unknown \"Always\" (allowed: "
            "NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
            "RequireAndVerifyClientCert)");
}

TEST(TlsConfigTest, ImpossibleCombinationsAreRefusedWhereTheyStand) {
  // A client CA without a policy that asks for certificates (exporter-toolkit refuses it too).
  EXPECT_EQ(Refusal(std::string(kBase) + "  client_ca_file: ca.crt\n"),
            "web.yml:2:3: tls_server_config: client CA's have been configured without a Client "
            "Auth Policy: set client_auth_type, e.g. RequireAndVerifyClientCert");
  EXPECT_NE(
      Refusal(std::string(kBase) + "  client_auth_type: NoClientCert\n  client_ca_file: ca.crt\n")
          .find("web.yml:4:21: "),
      std::string::npos);
  // Verifying without a CA to verify against.
  for (const char* mode : {"VerifyClientCertIfGiven", "RequireAndVerifyClientCert"}) {
    EXPECT_EQ(Refusal(std::string(kBase) + "  client_auth_type: " + mode + "\n"),
              std::string("web.yml:4:21: tls_server_config: client_auth_type ") + mode +
                  " verifies client certificates: set client_ca_file");
  }
  // SANs need a certificate that is always there.
  EXPECT_EQ(Refusal(std::string(kBase) +
                    "  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n"
                    "  client_allowed_sans: [a.example]\n"),
            "web.yml:6:3: tls_server_config: client_allowed_sans requires client_auth_type to "
            "be one of RequireAnyClientCert or RequireAndVerifyClientCert");
  EXPECT_EQ(Parsed(std::string(kBase) +
                   "  client_auth_type: RequireAnyClientCert\n  client_allowed_sans: [a, b]\n")
                .client_allowed_sans,
            (std::vector<std::string>{"a", "b"}));
  // Versions.
  EXPECT_EQ(Refusal(std::string(kBase) + "  min_version: TLS13\n  max_version: TLS12\n"),
            "web.yml:2:3: tls_server_config: min_version is above max_version");
  // Missing halves.
  EXPECT_EQ(Refusal("tls_server_config:\n  cert_file: a.crt\n"),
            "web.yml:2:3: tls_server_config: missing one of key or key_file");
  EXPECT_EQ(Refusal("tls_server_config:\n  key_file: a.key\n"),
            "web.yml:2:3: tls_server_config: missing one of cert or cert_file");
  EXPECT_EQ(Refusal("tls_server_config:\n  min_version: TLS13\n"),
            "web.yml:2:3: tls_server_config: missing one of cert or cert_file");
  EXPECT_EQ(Refusal(std::string(kBase) + "  cert: |\n    -----BEGIN CERTIFICATE-----\n"),
            "web.yml:4:3: tls_server_config: cert: cert_file is set already; give the file or "
            "the inline PEM, not both");
}

TEST(TlsConfigTest, VersionsByName) {
  const TlsServerConfig c =
      Parsed(std::string(kBase) + "  min_version: TLS13\n  max_version: TLS13\n");
  EXPECT_EQ(c.min_version, 0x0304);
  EXPECT_EQ(c.max_version, 0x0304);
  EXPECT_EQ(Refusal(std::string(kBase) + "  min_version: TLS14\n"),
            "web.yml:4:16: tls_server_config: min_version: unknown TLS version \"TLS14\" "
            "(allowed: TLS10, TLS11, TLS12, TLS13)");
  for (const char* old : {"TLS10", "TLS11"}) {
    const std::string error = Refusal(std::string(kBase) + "  min_version: " + old + "\n");
    EXPECT_EQ(error.rfind("web.yml:4:16: tls_server_config: min_version: ", 0), 0u) << error;
    EXPECT_NE(error.find("security level 0"), std::string::npos) << error;
  }
  EXPECT_NE(Refusal(std::string(kBase) + "  max_version: [TLS12]\n").find("web.yml:4:16: "),
            std::string::npos);
}

TEST(TlsConfigTest, GoCipherNamesMapToOpenSsl) {
  const TlsServerConfig c = Parsed(std::string(kBase) +
                                   "  cipher_suites:\n"
                                   "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
                                   "    - TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\n"
                                   "    - TLS_RSA_WITH_AES_256_CBC_SHA\n"
                                   "    - TLS_AES_256_GCM_SHA384\n"
                                   "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n");
  EXPECT_EQ(c.cipher_list, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:AES256-SHA");
  EXPECT_EQ(c.ciphersuites, "TLS_AES_256_GCM_SHA384");
  bool tls13 = true;
  EXPECT_EQ(OpenSslCipherName("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", tls13),
            "ECDHE-ECDSA-AES256-SHA");
  EXPECT_FALSE(tls13);
  EXPECT_EQ(OpenSslCipherName("TLS_CHACHA20_POLY1305_SHA256", tls13),
            "TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_TRUE(tls13);
  // Every mapped name is one this OpenSSL knows.
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NE(ctx, nullptr);
  for (const char* go :
       {"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_GCM_SHA256"}) {
    const std::string name = OpenSslCipherName(go, tls13);
    ASSERT_FALSE(name.empty()) << go;
    const int known = tls13 ? SSL_CTX_set_ciphersuites(ctx, name.c_str())
                            : SSL_CTX_set_cipher_list(ctx, name.c_str());
    EXPECT_EQ(known, 1) << go << " -> " << name;
  }
  SSL_CTX_free(ctx);
  EXPECT_EQ(Refusal(std::string(kBase) + "  cipher_suites: [TLS_FOO]\n"),
            "web.yml:4:19: tls_server_config: cipher_suites: unknown cipher \"TLS_FOO\" (Go's "
            "crypto/tls names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
  EXPECT_NE(Refusal(std::string(kBase) + "  cipher_suites:\n    - TLS_AES_128_GCM_SHA256\n"
                                         "    - TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA\n")
                .find("web.yml:6:7: tls_server_config: cipher_suites: "
                      "\"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA\" is 3DES"),
            std::string::npos);
  // RC4 and CBC-SHA256 are in Go's insecure list, which exporter-toolkit does not accept.
  EXPECT_NE(Refusal(std::string(kBase) + "  cipher_suites: [TLS_ECDHE_RSA_WITH_RC4_128_SHA]\n")
                .find("unknown cipher"),
            std::string::npos);
  EXPECT_NE(Refusal(std::string(kBase) + "  cipher_suites: TLS_AES_128_GCM_SHA256\n")
                .find("web.yml:4:18: tls_server_config: cipher_suites: expected a list"),
            std::string::npos);
}

TEST(TlsConfigTest, CurvesAndServerPreference) {
  const TlsServerConfig c =
      Parsed(std::string(kBase) +
             "  curve_preferences: [X25519, CurveP256, CurveP384, CurveP521]\n"
             "  prefer_server_cipher_suites: false\n");
  EXPECT_EQ(c.groups, "X25519:P-256:P-384:P-521");
  EXPECT_FALSE(c.prefer_server_cipher_suites);
  EXPECT_EQ(Refusal(std::string(kBase) + "  curve_preferences: [CurveP224]\n"),
            "web.yml:4:23: tls_server_config: curve_preferences: unknown curve \"CurveP224\" "
            "(allowed: CurveP256, CurveP384, CurveP521, X25519)");
  EXPECT_EQ(Refusal(std::string(kBase) + "  prefer_server_cipher_suites: maybe\n"),
            "web.yml:4:32: tls_server_config: prefer_server_cipher_suites: expected true or "
            "false, got \"maybe\"");
}

TEST(TlsConfigTest, UnknownAndDuplicateKeys) {
  EXPECT_EQ(
      Refusal(std::string(kBase) + "  certfile: x\n")
          .rfind("web.yml:4:3: tls_server_config: unknown key \"certfile\" (allowed: cert_file, ",
                 0),
      0u);
  EXPECT_EQ(Refusal(std::string(kBase) + "  cert_file: b.crt\n"),
            "web.yml:4:3: tls_server_config: duplicate key \"cert_file\"");
  EXPECT_EQ(Refusal("tls_server_config: [a]\n"),
            "web.yml:1:20: tls_server_config: expected a mapping");
  EXPECT_EQ(Refusal("tls_server_config:\n  cert_file: [a]\n  key_file: a.key\n"),
            "web.yml:2:14: tls_server_config: cert_file: expected a string");
}

// Certificates made with the openssl CLI, as an operator would.
class TlsMaterialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Make("ca", "-x509 -subj /CN=ca");
    Make("other", "-x509 -subj /CN=other");
    ASSERT_EQ(Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                  dir_.Path("leaf.key") + " -out " + dir_.Path("leaf.csr") + " -subj /CN=leaf"),
              0);
    dir_.Write("leaf.ext",
               "subjectAltName=DNS:a.example,IP:127.0.0.9,IP:::1,"
               "email:ops@a.example,URI:spiffe://a/b\n");
    ASSERT_EQ(Run("openssl x509 -req -in " + dir_.Path("leaf.csr") + " -CA " + dir_.Path("ca.crt") +
                  " -CAkey " + dir_.Path("ca.key") + " -CAcreateserial -days 1 -out " +
                  dir_.Path("leaf.crt") + " -extfile " + dir_.Path("leaf.ext")),
              0);
  }

  static int Run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str());  // NOLINT(cert-env33-c)
  }

  void Make(const std::string& name, const std::string& args) {
    ASSERT_EQ(Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
                  "-keyout " +
                  dir_.Path(name + ".key") + " -out " + dir_.Path(name + ".crt") + " " + args),
              0);
  }

  std::variant<std::shared_ptr<const TlsMaterial>, ConfigError> Load(const std::string& yaml) {
    dir_.Write("web.yml", yaml);
    auto parsed = ParseWebConfig(yaml, dir_.Path("web.yml"));
    if (auto* e = std::get_if<ConfigError>(&parsed)) return *e;
    return LoadTlsMaterial(*std::get<WebConfig>(parsed).tls, dir_.Path("web.yml"));
  }

  std::string LoadError(const std::string& yaml) {
    auto loaded = Load(yaml);
    if (auto* e = std::get_if<ConfigError>(&loaded)) return e->ToString();
    ADD_FAILURE() << "loaded: " << yaml;
    return {};
  }

  wgx::testing::TempDir dir_;
};

TEST_F(TlsMaterialTest, LoadsCertificateChainKeyAndClientCa) {
  // The leaf followed by its CA in one file: a chain.
  std::string chain;
  for (const char* name : {"leaf.crt", "ca.crt"}) {
    std::ifstream in(dir_.Path(name));
    chain += std::string(std::istreambuf_iterator<char>(in), {});
  }
  dir_.Write("chain.crt", chain);
  auto loaded = Load(
      "tls_server_config:\n  cert_file: chain.crt\n  key_file: leaf.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const TlsMaterial>>(loaded))
      << std::get<ConfigError>(loaded).ToString();
  const auto& m = *std::get<std::shared_ptr<const TlsMaterial>>(loaded);
  EXPECT_EQ(m.leaf_subject, "/CN=leaf");
  EXPECT_EQ(sk_X509_num(m.chain), 1);
  ASSERT_NE(m.client_ca, nullptr);
  EXPECT_EQ(sk_X509_NAME_num(m.client_ca_names), 1);
  for (const char* san : {"a.example", "127.0.0.9", "::1", "ops@a.example", "spiffe://a/b"}) {
    EXPECT_TRUE(HasAllowedSan(m.leaf, {"x", san})) << san;
  }
  EXPECT_FALSE(HasAllowedSan(m.leaf, {"leaf", "b.example", "127.0.0.1"}));
}

TEST_F(TlsMaterialTest, InlinePem) {
  std::ifstream cert_in(dir_.Path("leaf.crt"));
  std::ifstream key_in(dir_.Path("leaf.key"));
  std::string yaml = "tls_server_config:\n  cert: |\n";
  for (std::string line; std::getline(cert_in, line);) yaml += "    " + line + "\n";
  yaml += "  key: |\n";
  for (std::string line; std::getline(key_in, line);) yaml += "    " + line + "\n";
  auto loaded = Load(yaml);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const TlsMaterial>>(loaded))
      << std::get<ConfigError>(loaded).ToString();
}

TEST_F(TlsMaterialTest, BadFilesAreRefusedAtTheKeyThatNamesThem) {
  const std::string web = dir_.Path("web.yml");
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: nope.crt\n  key_file: leaf.key\n"),
            web + ":2:14: tls_server_config.cert_file: " + dir_.Path("nope.crt") +
                ": cannot read it: No such file or directory");
  dir_.Write("empty.crt", "not a certificate\n");
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: empty.crt\n  key_file: leaf.key\n"),
            web + ":2:14: tls_server_config.cert_file: " + dir_.Path("empty.crt") +
                ": no PEM certificate found");
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: leaf.crt\n  key_file: leaf.crt\n")
                .rfind(web + ":3:13: tls_server_config.key_file: " + dir_.Path("leaf.crt") +
                           ": no unencrypted PEM private key found",
                       0),
            0u);
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: leaf.crt\n  key_file: other.key\n"),
            web + ":3:13: tls_server_config.key_file: " + dir_.Path("other.key") +
                ": the private key does not belong to the certificate of cert_file " +
                dir_.Path("leaf.crt"));
  EXPECT_EQ(LoadError("tls_server_config:\n  cert_file: leaf.crt\n  key_file: leaf.key\n"
                      "  client_auth_type: RequireAndVerifyClientCert\n"
                      "  client_ca_file: empty.crt\n"),
            web + ":5:19: tls_server_config.client_ca_file: " + dir_.Path("empty.crt") +
                ": no PEM certificate found");
  EXPECT_EQ(
      LoadError("tls_server_config:\n  cert_file: .\n  key_file: leaf.key\n")
          .rfind(web + ":2:14: tls_server_config.cert_file: " + dir_.path() + "/: cannot read it: ",
                 0),
      0u);
}

TEST_F(TlsMaterialTest, ChangedFilesAreNoticed) {
  dir_.Write("web.yml", "tls_server_config:\n  cert_file: leaf.crt\n  key_file: leaf.key\n");
  auto parsed = ParseWebConfig("tls_server_config:\n  cert_file: leaf.crt\n  key_file: leaf.key\n",
                               dir_.Path("web.yml"));
  auto generation = LoadTlsGeneration(*std::get<WebConfig>(parsed).tls, dir_.Path("web.yml"));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const TlsGeneration>>(generation));
  const auto& g = *std::get<std::shared_ptr<const TlsGeneration>>(generation);
  EXPECT_FALSE(TlsFilesChanged(g));
  std::ifstream in(dir_.Path("ca.crt"));
  dir_.WriteAtomically("leaf.crt", std::string(std::istreambuf_iterator<char>(in), {}));
  EXPECT_TRUE(TlsFilesChanged(g));
}

}  // namespace
}  // namespace wgx
