#include "exporter/http/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "exporter/config/config_store.h"
#include "exporter/config/file_util.h"
#include "exporter/http/tls_material.h"

namespace wgx {
namespace {

ConfigError ErrorAt(const std::string& file, const YAML::Mark& mark, std::string message) {
  return ConfigError{file, mark.is_null() ? 0 : mark.line + 1, mark.is_null() ? 0 : mark.column + 1,
                     std::move(message)};
}

// bcrypt's cost doubles the work per step: cost 12 takes a quarter of a
// second, 31 would take days. Anything above this bound is refused at load
// rather than hanging the first request that carries credentials.
constexpr int kMaxBcryptCost = 14;

// Checks the form of a hash without running bcrypt: $2a$/$2b$/$2y$, a two
// digit cost from 4 to kMaxBcryptCost, then 53 characters of bcrypt's base64.
std::string BcryptHashProblem(const std::string& hash) {
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
      (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' || hash[6] != '$' ||
      !std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5]))) {
    return "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)";
  }
  for (std::size_t i = 7; i < hash.size(); ++i) {
    const char c = hash[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '/') {
      return "is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)";
    }
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > kMaxBcryptCost) {
    return "has bcrypt cost " + std::to_string(cost) + "; use a cost from 4 to " +
           std::to_string(kMaxBcryptCost);
  }
  return {};
}

bool BcryptMatches(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof *data);
  const bool ok = out != nullptr && out[0] != '*' && std::strlen(out) == hash.size() &&
                  CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  SecureWipe(data.get(), sizeof *data);
  return ok;
}

std::string Digest(std::string_view a, std::string_view b, std::string_view c) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (auto part : {a, b, c}) {
    EVP_DigestUpdate(ctx, part.data(), part.size());
    EVP_DigestUpdate(ctx, "\0", 1);
  }
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<char*>(md), len);
}

// A fixed valid hash to spend the same time on unknown users as on known ones.
constexpr char kDummyHash[] = "$2b$10$qnfM29tlcUErYgVpF6H4LeHf75LjjNIcRERRq8Ps7L.cZiWMceu1G";

}  // namespace

std::variant<WebConfig, ConfigError> ParseWebConfig(std::string_view yaml,
                                                    const std::string& file_name) {
  WebConfig config;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return ErrorAt(file_name, e.mark, "invalid YAML: " + e.msg);
  }
  if (!root || root.IsNull()) return config;
  if (!root.IsMap()) return ErrorAt(file_name, root.Mark(), "expected a mapping at the top level");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "tls_server_config") {
        auto tls = ParseTlsServerConfig(value, file_name);
        if (auto* e = std::get_if<ConfigError>(&tls)) return *e;
        config.tls = std::get<std::optional<TlsServerConfig>>(std::move(tls));
      } else if (key == "http_server_config") {
        if (value.IsNull()) continue;
        if (!value.IsMap())
          return ErrorAt(file_name, value.Mark(), "http_server_config: expected a mapping");
        for (const auto& h : value) {
          const std::string hk = h.first.as<std::string>();
          if (hk == "http2") continue;
          if (hk != "headers") {
            return ErrorAt(
                file_name, h.first.Mark(),
                "http_server_config: unknown key \"" + hk + "\" (allowed: headers, http2)");
          }
          if (!h.second.IsMap())
            return ErrorAt(file_name, h.second.Mark(), "headers: expected a mapping");
          for (const auto& kv : h.second) {
            const std::string name = kv.first.as<std::string>();
            const std::string val = kv.second.as<std::string>();
            const auto bad = [](const std::string& s, bool is_name) {
              return std::any_of(s.begin(), s.end(), [&](char c) {
                return c == '\r' || c == '\n' || (is_name && (c == ':' || c == ' '));
              });
            };
            if (name.empty() || bad(name, true) || bad(val, false)) {
              return ErrorAt(file_name, kv.first.Mark(),
                             "headers: invalid header \"" + name + "\"");
            }
            config.headers.emplace_back(name, val);
          }
        }
      } else if (key == "basic_auth_users") {
        if (value.IsNull()) continue;
        if (!value.IsMap())
          return ErrorAt(file_name, value.Mark(),
                         "basic_auth_users: expected a mapping of user: bcrypt-hash");
        for (const auto& u : value) {
          const std::string user = u.first.as<std::string>();
          if (!u.second.IsScalar()) {
            return ErrorAt(file_name, u.second.Mark(),
                           "basic_auth_users: the hash of \"" + user + "\" must be a string");
          }
          const std::string hash = u.second.as<std::string>();
          if (user.empty() || user.find(':') != std::string::npos) {
            return ErrorAt(file_name, u.first.Mark(),
                           "basic_auth_users: invalid user name \"" + user + "\"");
          }
          if (std::string problem = BcryptHashProblem(hash); !problem.empty()) {
            return ErrorAt(file_name, u.second.Mark(),
                           "basic_auth_users: the password of \"" + user + "\" " += problem);
          }
          if (!config.basic_auth_users.emplace(user, hash).second) {
            return ErrorAt(file_name, u.first.Mark(),
                           "basic_auth_users: duplicate user \"" + user + "\"");
          }
        }
      } else if (key == "auth_exempt_paths") {
        if (!value.IsSequence())
          return ErrorAt(file_name, value.Mark(), "auth_exempt_paths: expected a list of paths");
        for (const auto& p : value) {
          const std::string path = p.as<std::string>();
          if (path.empty() || path[0] != '/') {
            return ErrorAt(file_name, p.Mark(),
                           "auth_exempt_paths: \"" + path + "\" must start with /");
          }
          config.auth_exempt_paths.push_back(path);
        }
      } else {
        return ErrorAt(file_name, entry.first.Mark(),
                       "unknown key \"" + key +
                           "\" (allowed: basic_auth_users, http_server_config, tls_server_config, "
                           "auth_exempt_paths)");
      }
    }
  } catch (const YAML::Exception& e) {
    return ErrorAt(file_name, e.mark, e.msg);
  }
  return config;
}

WebAuth::WebAuth(std::optional<std::string> path)
    : path_(std::move(path)), config_(std::make_shared<WebConfig>()) {}

std::optional<ConfigError> WebAuth::LoadInitial() {
  if (!path_) return std::nullopt;
  std::lock_guard lock(mutex_);
  stamp_ = StampFile(*path_);
  std::ifstream in(*path_);
  if (!in) return ConfigError{*path_, 0, 0, "cannot read the web configuration file"};
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseWebConfig(buf.str(), *path_);
  if (auto* e = std::get_if<ConfigError>(&parsed)) return *e;
  auto config = std::make_shared<WebConfig>(std::get<WebConfig>(std::move(parsed)));
  if (config->tls) {
    auto tls = LoadTlsGeneration(*config->tls, *path_);
    if (auto* e = std::get_if<ConfigError>(&tls)) return *e;
    tls_ = std::get<std::shared_ptr<const TlsGeneration>>(std::move(tls));
  }
  config_ = std::move(config);
  return std::nullopt;
}

std::shared_ptr<const WebConfig> WebAuth::CurrentRefreshed() {
  std::lock_guard lock(mutex_);
  return RefreshLocked();
}

std::shared_ptr<const WebConfig> WebAuth::RefreshLocked() {
  if (!path_) return config_;
  FileStamp now = StampFile(*path_);
  if (now == stamp_) return config_;
  stamp_ = now;
  std::ifstream in(*path_);
  if (!in) {
    spdlog::error("web config {}: cannot read it; keeping the previous one", *path_);
    return config_;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = ParseWebConfig(buf.str(), *path_);
  if (auto* e = std::get_if<ConfigError>(&parsed)) {
    spdlog::error("web config rejected, keeping the previous one: {}", e->ToString());
    return config_;
  }
  auto config = std::make_shared<WebConfig>(std::get<WebConfig>(std::move(parsed)));
  std::shared_ptr<const TlsGeneration> tls;
  if (config->tls.has_value() != (tls_ != nullptr)) {
    // The port was opened with or without TLS at start.
    spdlog::error(
        "web config rejected, keeping the previous one: {}: tls_server_config {} "
        "needs a restart",
        *path_, config->tls ? "turning TLS on" : "turning TLS off");
    return config_;
  }
  if (config->tls) {
    auto loaded = LoadTlsGeneration(*config->tls, *path_);
    if (auto* e = std::get_if<ConfigError>(&loaded)) {
      spdlog::error("web config rejected, keeping the previous one: {}", e->ToString());
      return config_;
    }
    tls = std::get<std::shared_ptr<const TlsGeneration>>(std::move(loaded));
  }
  config_ = std::move(config);
  tls_ = std::move(tls);
  verified_.clear();
  spdlog::info("web config {} reloaded", *path_);
  return config_;
}

bool WebAuth::TlsEnabled() {
  std::lock_guard lock(mutex_);
  return tls_ != nullptr;
}

std::shared_ptr<const TlsGeneration> WebAuth::CurrentTls() {
  std::lock_guard lock(mutex_);
  RefreshLocked();
  if (tls_ == nullptr || !TlsFilesChanged(*tls_)) return tls_;
  auto loaded = LoadTlsGeneration(tls_->config, *path_);
  if (auto* e = std::get_if<ConfigError>(&loaded)) {
    spdlog::error("TLS certificate not reloaded, the previous one stays in use: {}", e->ToString());
    // Tried once per change of the files, not on every connection.
    auto same = std::make_shared<TlsGeneration>(*tls_);
    for (auto& stamp : same->stamps) stamp = StampFile(stamp.path);
    tls_ = std::move(same);
    return tls_;
  }
  tls_ = std::get<std::shared_ptr<const TlsGeneration>>(std::move(loaded));
  spdlog::info("TLS certificate reloaded: {} (valid until {})", tls_->material->leaf_subject,
               tls_->material->leaf_not_after);
  return tls_;
}

std::vector<std::pair<std::string, std::string>> WebAuth::Headers() {
  return CurrentRefreshed()->headers;
}

WebAuth::Decision WebAuth::Check(std::string_view path, const char* authorization) {
  const auto config = CurrentRefreshed();
  if (config->basic_auth_users.empty()) return Decision::kAllow;
  for (const auto& exempt : config->auth_exempt_paths) {
    if (path == exempt) return Decision::kAllow;
  }
  if (authorization == nullptr) return Decision::kDeny;
  std::string_view header(authorization);
  constexpr std::string_view kBasic = "Basic ";
  if (header.size() <= kBasic.size() || header.size() > 4096 ||
      strncasecmp(header.data(), kBasic.data(), kBasic.size()) != 0) {
    return Decision::kDeny;
  }
  auto decoded = DecodeBase64(header.substr(kBasic.size()));
  if (!decoded) return Decision::kDeny;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    SecureWipe(*decoded);
    return Decision::kDeny;
  }
  const std::string user = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  SecureWipe(*decoded);
  const auto it = config->basic_auth_users.find(user);
  const std::string& hash = it != config->basic_auth_users.end() ? it->second : kDummyHash;
  const std::string digest = Digest(user, password, hash);
  bool ok = false;
  {
    std::lock_guard lock(mutex_);
    ok = it != config->basic_auth_users.end() && verified_.count(digest) > 0;
  }
  if (!ok) {
    ok = BcryptMatches(password, hash) && it != config->basic_auth_users.end();
    if (ok) {
      std::lock_guard lock(mutex_);
      if (verified_.size() > 1024) verified_.clear();
      verified_.insert(digest);
    }
  }
  SecureWipe(password);
  return ok ? Decision::kAllow : Decision::kDeny;
}

}  // namespace wgx
