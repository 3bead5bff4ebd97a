#include "exporter/http/flags.h"

#include <charconv>
#include <functional>
#include <map>

namespace wgx {
namespace {

struct FlagSpec {
  std::string help;
  std::string default_text;
  bool is_bool = false;
  // Returns an error message, or empty when the value is accepted.
  std::function<std::string(Options&, const std::string&)> apply;
};

std::string ParseBool(const std::string& text, bool& out) {
  if (text == "true" || text == "1") {
    out = true;
  } else if (text == "false" || text == "0") {
    out = false;
  } else {
    return "expected true or false, got \"" + text + "\"";
  }
  return {};
}

const std::map<std::string, FlagSpec>& Specs() {
  static const auto* specs = new std::map<std::string, FlagSpec>{
      {"web.listen-address",
       {"Address on which to expose metrics and the web interface.", ":9586", false,
        [](Options& o, const std::string& v) -> std::string {
          auto port = ToCivetListeningPort(v);
          if (auto* e = std::get_if<FlagError>(&port)) return e->message;
          o.listen_address = v;
          return {};
        }}},
      {"web.telemetry-path",
       {"Path under which to expose metrics.", "/metrics", false,
        [](Options& o, const std::string& v) -> std::string {
          if (v.empty() || v[0] != '/') return "must start with '/'";
          if (v == "/" || v.rfind("/-/", 0) == 0) return "must not be / or under /-/";
          o.telemetry_path = v;
          return {};
        }}},
      {"web.config.file",
       {"Path to a web configuration file (TLS, basic authentication, response headers).", "",
        false,
        [](Options& o, const std::string& v) -> std::string {
          if (v.empty()) return "must not be empty";
          o.web_config_file = v;
          return {};
        }}},
      {"web.enable-lifecycle",
       {"Enable reloading the configuration via HTTP POST /-/reload.", "false", true,
        [](Options& o, const std::string& v) { return ParseBool(v, o.enable_lifecycle); }}},
      {"web.max-requests",
       {"Maximum number of parallel scrape requests; 0 disables the limit.", "40", false,
        [](Options& o, const std::string& v) -> std::string {
          int n = 0;
          auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          if (ec != std::errc() || p != v.data() + v.size() || n < 0 || n > 10000) {
            return "expected a whole number from 0 to 10000, got \"" + v + "\"";
          }
          o.max_requests = n;
          return {};
        }}},
      {"config.file",
       {"Path to the YAML configuration file; without it the built-in defaults apply.", "", false,
        [](Options& o, const std::string& v) -> std::string {
          if (v.empty()) return "must not be empty";
          o.config_file = v;
          return {};
        }}},
      {"config.check",
       {"Validate the configuration file, print the result and exit (0 valid, 1 invalid).", "false",
        true, [](Options& o, const std::string& v) { return ParseBool(v, o.config_check); }}},
      {"wireguard.socket-dir",
       {"Directory of userspace WireGuard UAPI sockets (NAME.sock); repeatable. One named "
        "amneziawg holds amneziawg-go's.",
        "/var/run/wireguard /var/run/amneziawg", false,
        [](Options& o, const std::string& v) -> std::string {
          if (v.empty()) return "must not be empty";
          if (!o.socket_dirs_given) o.socket_dirs.clear();
          o.socket_dirs_given = true;
          o.socket_dirs.push_back(v);
          return {};
        }}},
      {"wireguard.kernel",
       {"Read kernel WireGuard interfaces over generic netlink.", "true", true,
        [](Options& o, const std::string& v) { return ParseBool(v, o.read_kernel); }}},
      {"wireguard.userspace",
       {"Read userspace WireGuard interfaces (wireguard-go, boringtun) over UAPI sockets.", "true",
        true, [](Options& o, const std::string& v) { return ParseBool(v, o.read_userspace); }}},
      {"log.level",
       {"Only log messages with the given severity or above: debug, info, warn, error.", "info",
        false,
        [](Options& o, const std::string& v) -> std::string {
          if (v != "debug" && v != "info" && v != "warn" && v != "error") {
            return "expected one of debug, info, warn, error, got \"" + v + "\"";
          }
          o.log_level = v;
          return {};
        }}},
      {"log.format",
       {"Output format of log messages: logfmt or json.", "logfmt", false,
        [](Options& o, const std::string& v) -> std::string {
          if (v != "logfmt" && v != "json") {
            return "expected logfmt or json, got \"" + v + "\"";
          }
          o.log_format = v;
          return {};
        }}},
      {"healthcheck",
       {"Ask the exporter at --web.listen-address on this host for /-/healthy over plain HTTP "
        "and exit 0 when it answers 200, else 1 (for container health checks).",
        "false", true,
        [](Options& o, const std::string& v) { return ParseBool(v, o.healthcheck); }}},
      {"version",
       {"Show version information and exit.", "", true,
        [](Options& o, const std::string& v) { return ParseBool(v, o.show_version); }}},
      {"help",
       {"Show this help and exit.", "", true,
        [](Options& o, const std::string& v) { return ParseBool(v, o.show_help); }}},
  };
  return *specs;
}

}  // namespace

std::variant<Options, FlagError> ParseFlags(const std::vector<std::string>& args) {
  Options options;
  const auto& specs = Specs();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      options.show_help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return FlagError{"unexpected argument \"" + arg + "\" (flags look like --name=value)"};
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    bool negated = false;
    auto it = specs.find(name);
    if (it == specs.end() && name.rfind("no-", 0) == 0) {
      it = specs.find(name.substr(3));
      negated = it != specs.end() && it->second.is_bool;
      if (!negated) it = specs.end();
    }
    if (it == specs.end()) return FlagError{"unknown flag --" + name};
    const FlagSpec& spec = it->second;
    if (negated) {
      if (value) return FlagError{"flag --no-" + name.substr(3) + " takes no value"};
      value = "false";
    } else if (!value) {
      if (spec.is_bool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return FlagError{"flag --" + name + " needs a value"};
      }
    }
    if (std::string why = spec.apply(options, *value); !why.empty()) {
      return FlagError{"invalid value for flag --" + it->first + ": " + why};
    }
  }
  return options;
}

std::string UsageText() {
  std::string out =
      "usage: wireguard_exporter [<flags>]\n\n"
      "Prometheus exporter for WireGuard: every scrape reads the live state of the\n"
      "selected kernel and userspace WireGuard interfaces.\n\nFlags:\n";
  for (const auto& [name, spec] : Specs()) {
    std::string left = "  --" + (spec.is_bool && name != "help" && name != "version"
                                     ? "[no-]" + name
                                     : name + (spec.is_bool ? "" : "=VALUE"));
    if (left.size() < 34) left.resize(34, ' ');
    out += left + " " + spec.help;
    if (!spec.default_text.empty() && name != "help" && name != "version") {
      out += " (default: " + spec.default_text + ")";
    }
    out += "\n";
  }
  return out;
}

std::variant<std::string, FlagError> ToCivetListeningPort(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    return FlagError{"expected [host]:port, got \"" + address + "\""};
  }
  const std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  int port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return FlagError{"invalid port \"" + port_text + "\" in \"" + address + "\""};
  }
  if (host.empty()) return std::to_string(port);  // every IPv4 address
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) {
      return FlagError{"invalid IPv6 host in \"" + address + "\""};
    }
    return host + ":" + std::to_string(port);
  }
  if (host.find_first_of(":,") != std::string::npos) {
    return FlagError{"invalid host in \"" + address + "\" (write IPv6 as [addr]:port)"};
  }
  return host + ":" + std::to_string(port);
}

}  // namespace wgx
