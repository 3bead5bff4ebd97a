// Command-line flags, in the conventions of Prometheus exporters:
// --name=value or --name value, --[no-]bool for booleans.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wgx {

struct Options {
  std::string listen_address = ":9586";
  std::string telemetry_path = "/metrics";
  std::optional<std::string> config_file;
  bool config_check = false;
  bool enable_lifecycle = false;
  std::optional<std::string> web_config_file;
  int max_requests = 40;  // concurrent scrapes; 0 = no limit
  // --wireguard.socket-dir, repeatable: the first one given replaces these.
  std::vector<std::string> socket_dirs = {"/var/run/wireguard", "/var/run/amneziawg"};
  bool socket_dirs_given = false;
  bool read_kernel = true;
  bool read_userspace = true;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool healthcheck = false;
  bool show_version = false;
  bool show_help = false;
};

struct FlagError {
  std::string message;
};

std::variant<Options, FlagError> ParseFlags(const std::vector<std::string>& args);

// The --help text.
std::string UsageText();

// Splits ":9586", "127.0.0.1:9586", "[::1]:9586" into civetweb's
// listening_ports syntax; an error for anything else.
std::variant<std::string, FlagError> ToCivetListeningPort(const std::string& address);

}  // namespace wgx
