// wireguard_exporter: flags, logging, wiring and the process lifecycle. The
// main thread only waits for signals; every scrape does its own work on the
// HTTP thread that serves it.
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "exporter/config/config_store.h"
#include "exporter/http/capabilities.h"
#include "exporter/http/flags.h"
#include "exporter/http/healthcheck.h"
#include "exporter/http/logging.h"
#include "exporter/http/server.h"
#include "exporter/http/web_config.h"
#include "exporter/metrics/collector.h"
#include "exporter/metrics/process_stats.h"
#include "exporter/wireguard/host_source.h"

namespace {

constexpr char kVersion[] = WGX_VERSION;
constexpr char kRevision[] = WGX_REVISION;

// Each scrape allocates its exposition (tens of megabytes on a large gateway)
// on whichever HTTP worker thread serves it, and glibc gives every thread its
// own malloc arena that keeps what it freed: after a few scrapes on different
// workers the process held one scrape's worth of memory per worker. One arena
// lets every scrape reuse the same memory; scrapes are too few for contention
// on it to matter.
void UseOneMallocArena() {
#ifdef M_ARENA_MAX
  // Called first in main, before any thread exists, so no other thread can race it.
  mallopt(M_ARENA_MAX, 1);  // NOLINT(concurrency-mt-unsafe)
#endif
}

int Run(const wgx::Options& options) {
  wgx::SetUpLogging(options.log_format, options.log_level);
  // Before any thread exists, so that every thread inherits them.
  if (const std::string caps = wgx::RaisePermittedCapabilities(); caps.rfind("error: ", 0) == 0) {
    spdlog::warn("cannot raise the permitted capabilities: {}", caps.substr(7));
  } else if (getuid() != 0) {
    spdlog::debug("running as uid {} with capabilities: {}", getuid(),
                  caps.empty() ? "none" : caps);
  }

  wgx::ConfigStore store(options.config_file);
  if (auto error = store.LoadInitial()) {
    if (options.config_check) {
      (void)std::fprintf(stderr, "%s\n", error->ToString().c_str());
      return 1;
    }
    spdlog::error("cannot load the configuration: {}", error->ToString());
    return 1;
  }
  if (options.config_check) {
    (void)std::printf("%s: configuration is valid\n",
                      options.config_file ? options.config_file->c_str() : "built-in defaults");
    return 0;
  }

  wgx::WebAuth auth(options.web_config_file);
  if (auto error = auth.LoadInitial()) {
    spdlog::error("cannot load the web configuration: {}", error->ToString());
    return 1;
  }

  // Signals go to the main thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up mid-answer must not kill the process.
  (void)signal(SIGPIPE, SIG_IGN);

  wgx::HostSource source({.read_userspace = options.read_userspace,
                          .read_kernel = options.read_kernel,
                          .socket_directories = options.socket_dirs,
                          .host = {}});
  const wgx::ProcessReader process;
  wgx::Collector collector(
      store, source, [] { return std::chrono::system_clock::now(); },
      wgx::BuildInfo{kVersion, kRevision}, &process);

  auto reload = [&store]() -> std::optional<wgx::ConfigError> { return store.Reload(); };
  wgx::ServerOptions server_options;
  server_options.listening_ports =
      std::get<std::string>(wgx::ToCivetListeningPort(options.listen_address));
  server_options.telemetry_path = options.telemetry_path;
  server_options.enable_lifecycle = options.enable_lifecycle;
  server_options.max_requests = options.max_requests;
  server_options.version = kVersion;
  server_options.tls_library_dir = wgx::DefaultTlsLibraryDir();
  server_options.revision = kRevision;
  server_options.config_file = options.config_file.value_or("");
  wgx::HttpServer server(server_options,
                         {[&collector](wgx::ExpositionFormat format, const auto& sink) {
                            return collector.Collect(sink, std::size_t{256} * 1024, format);
                          },
                          reload, [&collector] { return collector.Summarize(); }},
                         auth);
  if (auto error = server.Start()) {
    spdlog::error("{}", *error);
    return 1;
  }
  spdlog::info("wireguard_exporter {} (revision {}) listening on {}{}, metrics at {}", kVersion,
               kRevision, options.listen_address, auth.TlsEnabled() ? " (TLS)" : "",
               options.telemetry_path);
  if (options.config_file) {
    spdlog::info("configuration from {}", *options.config_file);
  } else {
    spdlog::info("no --config.file: exporting every WireGuard interface found");
  }

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received, reloading the configuration");
      if (auto error = store.Reload()) {
        spdlog::error("reload failed, the previous configuration stays in use: {}",
                      error->ToString());
      }
      continue;
    }
    spdlog::info("{} received, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server.Stop();
    return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  UseOneMallocArena();
  // Nothing may escape main as an exception: say what failed and exit 1.
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = wgx::ParseFlags(args);
    if (auto* error = std::get_if<wgx::FlagError>(&parsed)) {
      (void)std::fprintf(stderr, "wireguard_exporter: error: %s, try --help\n",
                         error->message.c_str());
      return 2;
    }
    const auto& options = std::get<wgx::Options>(parsed);
    if (options.show_help) {
      (void)std::fputs(wgx::UsageText().c_str(), stdout);
      return 0;
    }
    if (options.show_version) {
      (void)std::printf("wireguard_exporter, version %s (revision: %s)\n", kVersion, kRevision);
      return 0;
    }
    if (options.healthcheck) {
      const auto result = wgx::CheckHealth(options.listen_address);
      (void)std::fprintf(result.healthy ? stdout : stderr, "%s: %s\n",
                         result.healthy ? "healthy" : "unhealthy", result.detail.c_str());
      return result.healthy ? 0 : 1;
    }
    return Run(options);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "wireguard_exporter: fatal: %s\n", e.what());
  } catch (...) {
    (void)std::fprintf(stderr, "wireguard_exporter: fatal: unknown error\n");
  }
  return 1;
}
