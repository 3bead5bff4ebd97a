// Holds the current immutable Config snapshot and decides when to reload.
// Readers take a shared lock just long enough to copy a shared_ptr; a reload
// builds a complete new snapshot first and swaps it in under the unique lock,
// so no reader ever sees a half-applied configuration.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "exporter/config/config.h"
#include "exporter/config/file_util.h"  // StampFile, for checking a snapshot's sources
#include "exporter/config/loader.h"

namespace wgx {

struct ReloadStatus {
  bool last_reload_successful = true;
  double last_success_timestamp_seconds = 0;  // unix time of the last good load
  std::uint64_t reloads_total = 0;            // attempts, good or bad
  std::uint64_t reload_failures_total = 0;
  std::string last_error;  // empty after a good load
};

// One scrape's view of the store: a snapshot and the reload status that
// belongs to it, taken together, so a scrape never reports the status of a
// reload whose snapshot it does not use.
struct StoreView {
  std::shared_ptr<const Config> config;
  ReloadStatus status;
};

class ConfigStore {
 public:
  // No path: the built-in defaults, nothing to reload.
  explicit ConfigStore(std::optional<std::string> path);

  // First load. On error the store keeps the defaults and the caller should
  // refuse to start.
  std::optional<ConfigError> LoadInitial();

  // The snapshot to use for one whole scrape.
  std::shared_ptr<const Config> Current() const;

  // Cheap when nothing changed (one stat() per source file). When a source
  // changed, exactly one concurrent caller reloads; the others go on with the
  // current snapshot without waiting.
  void ReloadIfChanged();

  // Unconditional reload (SIGHUP, POST /-/reload). A bad file leaves the
  // current snapshot in place and is returned.
  std::optional<ConfigError> Reload();

  ReloadStatus Status() const;
  // The current snapshot and its reload status, read at one moment.
  StoreView View() const;
  const std::optional<std::string>& path() const { return path_; }

 private:
  std::optional<ConfigError> ReloadLocked();  // caller holds reload_mutex_

  std::optional<std::string> path_;
  // Guards snapshot_ and status_, which change together.
  mutable std::shared_mutex snapshot_mutex_;
  std::shared_ptr<const Config> snapshot_;
  ReloadStatus status_;
  std::mutex reload_mutex_;  // serialises reloads
  // Stamps of the last attempted load (good or bad), so a bad file is not
  // re-parsed on every scrape until it changes again.
  std::vector<FileStamp> attempted_sources_;
};

}  // namespace wgx
