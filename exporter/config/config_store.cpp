#include "exporter/config/config_store.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "exporter/config/file_util.h"

namespace wgx {
namespace {

double NowUnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool AnySourceChanged(const std::vector<FileStamp>& sources) {
  if (sources.empty()) return true;  // never attempted
  for (const FileStamp& stamp : sources) {
    if (StampFile(stamp.path) != stamp) return true;
  }
  return false;
}

}  // namespace

ConfigStore::ConfigStore(std::optional<std::string> path)
    : path_(std::move(path)), snapshot_(DefaultConfig()) {}

std::optional<ConfigError> ConfigStore::LoadInitial() {
  const std::lock_guard reload_lock(reload_mutex_);
  if (!path_) {
    const std::unique_lock lock(snapshot_mutex_);
    status_ = ReloadStatus{};
    status_.last_success_timestamp_seconds = NowUnixSeconds();
    return std::nullopt;
  }
  std::vector<FileStamp> attempted;
  LoadResult result = LoadConfigFromFile(*path_, attempted);
  attempted_sources_ = std::move(attempted);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    const std::unique_lock lock(snapshot_mutex_);
    status_.last_reload_successful = false;
    status_.last_error = error->ToString();
    return std::move(*error);
  }
  auto config = std::get<std::shared_ptr<const Config>>(std::move(result));
  spdlog::info("configuration loaded from {}: {} interfaces listed, discover={}", *path_,
               config->interfaces.size(), config->discover);
  const std::unique_lock lock(snapshot_mutex_);
  snapshot_ = std::move(config);
  status_.last_reload_successful = true;
  status_.last_success_timestamp_seconds = NowUnixSeconds();
  status_.last_error.clear();
  return std::nullopt;
}

std::shared_ptr<const Config> ConfigStore::Current() const {
  const std::shared_lock lock(snapshot_mutex_);
  return snapshot_;
}

void ConfigStore::ReloadIfChanged() {
  if (!path_) return;
  // A scrape that finds another one reloading goes on with the current
  // snapshot instead of waiting for the new one.
  std::unique_lock lock(reload_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  // Compared with the last attempt, good or bad: a broken file is parsed
  // once per edit, not on every scrape.
  if (!AnySourceChanged(attempted_sources_)) return;
  ReloadLocked();
}

std::optional<ConfigError> ConfigStore::Reload() {
  if (!path_) return std::nullopt;  // built-in defaults: nothing to reload
  const std::lock_guard lock(reload_mutex_);
  return ReloadLocked();
}

std::optional<ConfigError> ConfigStore::ReloadLocked() {
  std::vector<FileStamp> attempted;
  LoadResult result = LoadConfigFromFile(*path_, attempted);

  // Only this thread replaces snapshot_ (it holds reload_mutex_), so reading
  // it here needs no snapshot lock.
  if (std::holds_alternative<std::shared_ptr<const Config>>(result) && !attempted.empty() &&
      attempted.front().size == 0) {
    const std::vector<FileStamp>& previous = snapshot_->sources;
    // An editor or a shell redirection empties a file before writing it;
    // taking that moment for "all defaults" would drop every name and label
    // until the next scrape. A file that was empty before stays acceptable.
    if (!previous.empty() && previous.front().path == *path_ && previous.front().size > 0) {
      result = ConfigError{*path_, 0, 0,
                           "the file is empty (truncated, or caught while being written); an "
                           "intentionally empty configuration is written as {}"};
    }
  }
  attempted_sources_ = std::move(attempted);

  if (auto* error = std::get_if<ConfigError>(&result)) {
    const std::string message = error->ToString();
    {
      const std::unique_lock lock(snapshot_mutex_);
      ++status_.reloads_total;
      ++status_.reload_failures_total;
      status_.last_reload_successful = false;
      status_.last_error = message;
    }
    spdlog::error("configuration reload failed, keeping the previous configuration: {}", message);
    return std::move(*error);
  }
  auto config = std::get<std::shared_ptr<const Config>>(std::move(result));
  const std::size_t listed = config->interfaces.size();
  const bool discover = config->discover;
  {
    // The snapshot and its status change in one step.
    const double now = NowUnixSeconds();
    const std::unique_lock lock(snapshot_mutex_);
    snapshot_.swap(config);
    ++status_.reloads_total;
    status_.last_reload_successful = true;
    status_.last_success_timestamp_seconds = now;
    status_.last_error.clear();
  }
  // The old snapshot is released here, outside the lock; a scrape still
  // holding it keeps it alive until that scrape finishes.
  config.reset();
  spdlog::info("configuration reloaded from {}: {} interfaces listed, discover={}", *path_, listed,
               discover);
  return std::nullopt;
}

ReloadStatus ConfigStore::Status() const {
  const std::shared_lock lock(snapshot_mutex_);
  return status_;
}

StoreView ConfigStore::View() const {
  const std::shared_lock lock(snapshot_mutex_);
  return StoreView{snapshot_, status_};
}

}  // namespace wgx
