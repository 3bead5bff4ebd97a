// tls_server_config of the exporter-toolkit web configuration file: the keys,
// their defaults and the combinations exporter-toolkit refuses, with Go's
// names (cipher suites, curves, TLS versions) turned into OpenSSL's.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "exporter/config/loader.h"

namespace YAML {
class Node;
}

namespace wgx {

// Go's tls.ClientAuthType, by its exporter-toolkit name.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,
  kRequireAnyClientCert,
  kVerifyClientCertIfGiven,
  kRequireAndVerifyClientCert,
};

// Where a key stood in the file, for errors found after parsing (a
// certificate that does not load points at its cert_file line).
struct KeyPlace {
  int line = 0;
  int column = 0;
};

// A PEM source: a file (absolute after parsing) or text inline in the YAML.
struct PemSource {
  std::string path;  // empty when inline
  std::string inline_text;
  std::string key;  // "cert_file", "cert", ... for messages
  KeyPlace place;
  bool empty() const { return path.empty() && inline_text.empty(); }
};

struct TlsServerConfig {
  PemSource cert;
  PemSource key;
  PemSource client_ca;  // empty: no client CA
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string client_auth_name = "NoClientCert";
  int min_version = 0x0303;  // TLS12, exporter-toolkit's default
  int max_version = 0x0304;  // TLS13
  // OpenSSL names, ':'-separated; empty leaves OpenSSL's defaults.
  std::string cipher_list;   // TLS 1.2 suites
  std::string ciphersuites;  // TLS 1.3 suites
  std::string groups;        // curve_preferences
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> client_allowed_sans;

  // What the TLS layer needs of the client's certificate.
  bool RequestsClientCert() const { return client_auth != ClientAuth::kNoClientCert; }
  bool RequiresClientCert() const {
    return client_auth == ClientAuth::kRequireAnyClientCert ||
           client_auth == ClientAuth::kRequireAndVerifyClientCert;
  }
  bool VerifiesClientCert() const {
    return client_auth == ClientAuth::kVerifyClientCertIfGiven ||
           client_auth == ClientAuth::kRequireAndVerifyClientCert;
  }
  // Files whose change means the material must be loaded again.
  std::vector<std::string> Files() const;
};

// Parses the tls_server_config mapping. `file_name` names the web config in
// errors; relative paths are resolved against its directory, as
// exporter-toolkit does. An empty or null mapping gives std::nullopt (plain
// HTTP), like exporter-toolkit's "TLS config is not present".
std::variant<std::optional<TlsServerConfig>, ConfigError> ParseTlsServerConfig(
    const YAML::Node& node, const std::string& file_name);

// OpenSSL's name of a Go cipher suite name (crypto/tls CipherSuites()), or
// empty when Go does not offer it. `tls13` tells which list it belongs to.
std::string OpenSslCipherName(const std::string& go_name, bool& tls13);

}  // namespace wgx
