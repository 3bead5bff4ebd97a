#include "exporter/http/tls_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>

namespace wgx {
namespace {

struct CipherName {
  std::string_view go;
  std::string_view openssl;
  bool tls13;
};

// Go's crypto/tls CipherSuites() (the suites exporter-toolkit accepts by
// name) with the OpenSSL name of each.
constexpr std::array<CipherName, 17> kCiphers{{
    {"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
    {"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
    {"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
}};

// exporter-toolkit's curve names (web/tls_config.go) and OpenSSL's groups.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kCurves{{
    {"CurveP256", "P-256"},
    {"CurveP384", "P-384"},
    {"CurveP521", "P-521"},
    {"X25519", "X25519"},
}};

ConfigError ErrorAt(const std::string& file, const YAML::Mark& mark, std::string message) {
  return ConfigError{file, mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
                     "tls_server_config: " + std::move(message)};
}

KeyPlace PlaceOf(const YAML::Mark& mark) {
  return mark.is_null() ? KeyPlace{} : KeyPlace{mark.line + 1, mark.column + 1};
}

std::optional<ClientAuth> ClientAuthByName(const std::string& name) {
  if (name.empty() || name == "NoClientCert") return ClientAuth::kNoClientCert;
  if (name == "RequestClientCert") return ClientAuth::kRequestClientCert;
  // "RequireClientCert" is exporter-toolkit's older spelling, still accepted.
  if (name == "RequireAnyClientCert" || name == "RequireClientCert") {
    return ClientAuth::kRequireAnyClientCert;
  }
  if (name == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (name == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  return std::nullopt;
}

// The wire version of "TLS10".."TLS13", or 0.
int VersionByName(const std::string& name) {
  if (name == "TLS10") return 0x0301;
  if (name == "TLS11") return 0x0302;
  if (name == "TLS12") return 0x0303;
  if (name == "TLS13") return 0x0304;
  return 0;
}

std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto part : parts) out += part;
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += ':';
    out += part;
  }
  return out;
}

std::string Resolve(const std::string& path, const std::string& file_name) {
  if (path.empty() || path.front() == '/') return path;
  return (std::filesystem::path(file_name).parent_path() / path).lexically_normal().string();
}

}  // namespace

std::string OpenSslCipherName(const std::string& go_name, bool& tls13) {
  for (const auto& c : kCiphers) {
    if (c.go == go_name) {
      tls13 = c.tls13;
      return std::string(c.openssl);
    }
  }
  return {};
}

std::vector<std::string> TlsServerConfig::Files() const {
  std::vector<std::string> files;
  for (const PemSource* s : {&cert, &key, &client_ca}) {
    if (!s->path.empty()) files.push_back(s->path);
  }
  return files;
}

std::variant<std::optional<TlsServerConfig>, ConfigError> ParseTlsServerConfig(
    const YAML::Node& node, const std::string& file_name) {
  if (!node || node.IsNull()) return std::optional<TlsServerConfig>();
  if (!node.IsMap()) return ErrorAt(file_name, node.Mark(), "expected a mapping");
  TlsServerConfig config;
  std::set<std::string> seen;
  YAML::Mark section = node.Mark();
  YAML::Mark client_auth_mark = section;
  YAML::Mark sans_mark = section;
  bool sans_given = false;
  bool anything = false;  // a key that turns TLS on (exporter-toolkit's IsEnabled)
  bool asked = false;     // a setting that only means something with TLS
  auto string_of = [&](const YAML::Node& value, const std::string& key,
                       std::string& out) -> std::optional<ConfigError> {
    if (value.IsNull()) return std::nullopt;
    if (!value.IsScalar()) return ErrorAt(file_name, value.Mark(), key + ": expected a string");
    out = value.as<std::string>();
    return std::nullopt;
  };
  auto list_of =
      [&](const YAML::Node& value, const std::string& key,
          std::vector<std::pair<std::string, YAML::Mark>>& out) -> std::optional<ConfigError> {
    if (value.IsNull()) return std::nullopt;
    if (!value.IsSequence()) return ErrorAt(file_name, value.Mark(), key + ": expected a list");
    for (const auto& item : value) {
      if (!item.IsScalar()) return ErrorAt(file_name, item.Mark(), key + ": expected a string");
      out.emplace_back(item.as<std::string>(), item.Mark());
    }
    return std::nullopt;
  };

  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    const YAML::Mark mark = entry.first.Mark();
    if (!seen.insert(key).second) return ErrorAt(file_name, mark, "duplicate key \"" + key + "\"");
    std::optional<ConfigError> error;
    if (key == "cert_file" || key == "key_file" || key == "client_ca_file" || key == "cert" ||
        key == "key" || key == "client_ca") {
      const bool is_file = key.size() > 5 && key.compare(key.size() - 5, 5, "_file") == 0;
      const std::string base = is_file ? key.substr(0, key.size() - 5) : key;
      PemSource& source = base == "cert"  ? config.cert
                          : base == "key" ? config.key
                                          : config.client_ca;
      std::string text;
      if ((error = string_of(value, key, text))) return *error;
      if (text.empty()) continue;
      if (!source.empty()) {
        return ErrorAt(file_name, mark,
                       key + ": " + source.key +
                           " is set already; give the file or the inline "
                           "PEM, not both");
      }
      source.key = key;
      source.place = PlaceOf(value.Mark());
      if (is_file) {
        source.path = Resolve(text, file_name);
      } else {
        source.inline_text = std::move(text);
      }
      anything = true;
    } else if (key == "client_auth_type") {
      std::string name;
      if ((error = string_of(value, key, name))) return *error;
      const auto auth = ClientAuthByName(name);
      if (!auth) {
        return ErrorAt(file_name, value.Mark(),
                       "client_auth_type: unknown \"" + name +
                           "\" (allowed: NoClientCert, RequestClientCert, RequireAnyClientCert, "
                           "VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
      }
      config.client_auth = *auth;
      config.client_auth_name = name.empty() ? "NoClientCert" : name;
      client_auth_mark = value.Mark();
      if (!name.empty()) anything = true;
    } else if (key == "min_version" || key == "max_version") {
      std::string name;
      if ((error = string_of(value, key, name))) return *error;
      if (name.empty()) continue;
      const int version = VersionByName(name);
      if (version == 0) {
        return ErrorAt(file_name, value.Mark(),
                       Concat({key, ": unknown TLS version \"", name,
                               "\" (allowed: TLS10, TLS11, TLS12, TLS13)"}));
      }
      if (version < 0x0303) {
        // OpenSSL 3 refuses TLS 1.0 and 1.1 at every security level above 0,
        // and lowering it would re-enable SHA-1 and small keys as well.
        return ErrorAt(file_name, value.Mark(),
                       Concat({key, ": ", name,
                               " cannot be served: OpenSSL 3 offers TLS 1.0 and 1.1 only at "
                               "security level 0; use TLS12 or TLS13"}));
      }
      (key == "min_version" ? config.min_version : config.max_version) = version;
      asked = true;
    } else if (key == "cipher_suites") {
      std::vector<std::pair<std::string, YAML::Mark>> names;
      if ((error = list_of(value, key, names))) return *error;
      std::vector<std::string> tls12;
      std::vector<std::string> tls13;
      for (const auto& [name, item_mark] : names) {
        bool is13 = false;
        const std::string openssl = OpenSslCipherName(name, is13);
        if (openssl.empty()) {
          const bool triple_des = name.find("3DES") != std::string::npos;
          return ErrorAt(
              file_name, item_mark,
              "cipher_suites: " + (triple_des ? "\"" + name +
                                                    "\" is 3DES, which this system's OpenSSL 3 "
                                                    "does not offer"
                                              : "unknown cipher \"" + name +
                                                    "\" (Go's crypto/tls names, e.g. "
                                                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"));
        }
        auto& list = is13 ? tls13 : tls12;
        if (std::find(list.begin(), list.end(), openssl) == list.end()) list.push_back(openssl);
      }
      config.cipher_list = Join(tls12);
      config.ciphersuites = Join(tls13);
      asked = asked || !names.empty();
    } else if (key == "curve_preferences") {
      std::vector<std::pair<std::string, YAML::Mark>> names;
      if ((error = list_of(value, key, names))) return *error;
      std::vector<std::string> groups;
      for (const auto& [name, item_mark] : names) {
        const std::string& wanted = name;
        const auto it = std::find_if(kCurves.begin(), kCurves.end(),
                                     [&](const auto& c) { return c.first == wanted; });
        if (it == kCurves.end()) {
          return ErrorAt(file_name, item_mark,
                         "curve_preferences: unknown curve \"" + name +
                             "\" (allowed: CurveP256, CurveP384, CurveP521, X25519)");
        }
        groups.emplace_back(it->second);
      }
      config.groups = Join(groups);
      asked = asked || !names.empty();
    } else if (key == "prefer_server_cipher_suites") {
      if (!value.IsScalar())
        return ErrorAt(file_name, value.Mark(), key + ": expected true or false");
      const std::string text = value.as<std::string>();
      if (text == "true") {
        config.prefer_server_cipher_suites = true;
      } else if (text == "false") {
        config.prefer_server_cipher_suites = false;
        asked = true;
      } else {
        return ErrorAt(file_name, value.Mark(),
                       Concat({key, ": expected true or false, got \"", text, "\""}));
      }
    } else if (key == "client_allowed_sans") {
      std::vector<std::pair<std::string, YAML::Mark>> names;
      if ((error = list_of(value, key, names))) return *error;
      sans_given = !value.IsNull();
      sans_mark = mark;
      asked = asked || sans_given;
      for (auto& [name, item_mark] : names) config.client_allowed_sans.push_back(std::move(name));
    } else {
      return ErrorAt(file_name, mark,
                     "unknown key \"" + key +
                         "\" (allowed: cert_file, key_file, cert, key, client_auth_type, "
                         "client_ca_file, client_ca, min_version, max_version, cipher_suites, "
                         "prefer_server_cipher_suites, curve_preferences, client_allowed_sans)");
    }
  }

  if (!anything) {
    // exporter-toolkit serves plain HTTP then and ignores the rest; a file that
    // sets versions or ciphers expects TLS, so say what is missing instead.
    if (asked) return ErrorAt(file_name, section, "missing one of cert or cert_file");
    return std::optional<TlsServerConfig>();
  }
  if (config.cert.empty()) return ErrorAt(file_name, section, "missing one of cert or cert_file");
  if (config.key.empty()) return ErrorAt(file_name, section, "missing one of key or key_file");
  if (config.min_version > config.max_version) {
    return ErrorAt(file_name, section, "min_version is above max_version");
  }
  if (!config.client_ca.empty() && !config.RequestsClientCert()) {
    return ErrorAt(file_name, client_auth_mark,
                   "client CA's have been configured without a Client Auth Policy: set "
                   "client_auth_type, e.g. RequireAndVerifyClientCert");
  }
  if (config.VerifiesClientCert() && config.client_ca.empty()) {
    return ErrorAt(file_name, client_auth_mark,
                   "client_auth_type " + config.client_auth_name +
                       " verifies client certificates: set client_ca_file");
  }
  if (sans_given && !config.RequiresClientCert()) {
    return ErrorAt(file_name, sans_mark,
                   "client_allowed_sans requires client_auth_type to be one of "
                   "RequireAnyClientCert or RequireAndVerifyClientCert");
  }
  return std::optional<TlsServerConfig>(std::move(config));
}

}  // namespace wgx
