// --web.config.file in the exporter-toolkit format: basic_auth_users with
// bcrypt hashes, http_server_config.headers, tls_server_config.
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
#include "exporter/http/tls_config.h"
#include "exporter/http/tls_server.h"
#include "exporter/wireguard/key.h"

namespace wgx {

struct WebConfig {
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  // Paths served without credentials (an extension of the format), e.g. /-/healthy.
  std::vector<std::string> auth_exempt_paths;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<TlsServerConfig> tls;  // none: plain HTTP
};

std::variant<WebConfig, ConfigError> ParseWebConfig(std::string_view yaml,
                                                    const std::string& file_name);

// Thread-safe owner of the current web config; re-reads the file when it
// changes, keeping the last good one when the new one is bad. TLS material
// is re-read when its files change, checked on every new TLS connection.
class WebAuth : public TlsSource {
 public:
  explicit WebAuth(std::optional<std::string> path);

  std::optional<ConfigError> LoadInitial();

  enum class Decision { kAllow, kDeny };
  // `authorization` is the request's Authorization header or nullptr.
  Decision Check(std::string_view path, const char* authorization);

  // Extra response headers from the config.
  std::vector<std::pair<std::string, std::string>> Headers();

  // Whether the web config asks for TLS; fixed for the life of the process.
  bool TlsEnabled();
  std::shared_ptr<const TlsGeneration> CurrentTls() override;

 private:
  std::shared_ptr<const WebConfig> CurrentRefreshed();
  std::shared_ptr<const WebConfig> RefreshLocked();

  std::optional<std::string> path_;
  std::mutex mutex_;
  std::shared_ptr<const WebConfig> config_;
  std::shared_ptr<const TlsGeneration> tls_;
  FileStamp stamp_;
  // Digests of credentials already verified against the current config:
  // bcrypt is deliberately slow, and Prometheus sends the same ones each scrape.
  std::set<std::string> verified_;
};

}  // namespace wgx
