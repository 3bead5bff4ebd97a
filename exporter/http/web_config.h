// --web.config.file in the exporter-toolkit format: basic_auth_users with
// bcrypt hashes, http_server_config.headers. TLS is refused: this build's
// HTTP server cannot serve it safely, so terminate TLS in front of it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "exporter/config/config.h"
#include "exporter/config/loader.h"
#include "exporter/wireguard/key.h"

namespace wgx {

struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  // Paths served without credentials (an extension of the format), e.g. /-/healthy.
  std::vector<std::string> auth_exempt_paths;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::variant<WebConfig, ConfigError> ParseWebConfig(std::string_view yaml,
                                                    const std::string& file_name);

// Thread-safe owner of the current web config; re-reads the file when it
// changes, keeping the last good one when the new one is bad.
class WebAuth {
 public:
  explicit WebAuth(std::optional<std::string> path);

  std::optional<ConfigError> LoadInitial();

  enum class Decision { kAllow, kDeny };
  // `authorization` is the request's Authorization header or nullptr.
  Decision Check(std::string_view path, const char* authorization);

  // Extra response headers from the config.
  std::vector<std::pair<std::string, std::string>> Headers();

 private:
  std::shared_ptr<const WebConfig> CurrentRefreshed();

  std::optional<std::string> path_;
  std::mutex mutex_;
  std::shared_ptr<const WebConfig> config_;
  FileStamp stamp_;
  // Digests of credentials already verified against the current config:
  // bcrypt is deliberately slow, and Prometheus sends the same ones each scrape.
  std::set<std::string> verified_;
};

}  // namespace wgx
