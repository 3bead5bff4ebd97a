#include "exporter/config/config_store.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using wgx::testing::TempDir;

const char kKey1[] = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const char kKey2[] = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

Key K(const char* base64) { return *Key::FromBase64(base64); }

// A config naming peer kKey1 `name`; the name's length sets the file size.
std::string NamedConfig(const std::string& name) {
  return std::string("interfaces:\n  - name: wg0\n    peers:\n      - public_key: ") + kKey1 +
         "\n        name: " + name + "\n";
}

std::string PeerName(const ConfigStore& store) {
  const auto config = store.Current();
  const PeerConfig* peer = config->FindPeer("wg0", K(kKey1));
  return peer != nullptr ? peer->name : "<none>";
}

TEST(ConfigStore, WithoutAFileServesTheDefaults) {
  ConfigStore store(std::nullopt);
  EXPECT_FALSE(store.LoadInitial().has_value());
  const auto before = store.Current();
  EXPECT_TRUE(before->discover);
  EXPECT_TRUE(before->interfaces.empty());
  store.ReloadIfChanged();
  EXPECT_FALSE(store.Reload().has_value());
  EXPECT_EQ(store.Current(), before);
  const ReloadStatus status = store.Status();
  EXPECT_TRUE(status.last_reload_successful);
  EXPECT_GT(status.last_success_timestamp_seconds, 1.6e9);
  EXPECT_EQ(status.reloads_total, 0u);
}

TEST(ConfigStore, InitialLoad) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("first"));
  ConfigStore store(dir.Path("cfg.yml"));
  const double before = static_cast<double>(std::time(nullptr));
  EXPECT_FALSE(store.LoadInitial().has_value());
  EXPECT_EQ(PeerName(store), "first");
  const ReloadStatus status = store.Status();
  EXPECT_TRUE(status.last_reload_successful);
  EXPECT_GE(status.last_success_timestamp_seconds, before);
  EXPECT_TRUE(status.last_error.empty());
  EXPECT_EQ(status.reloads_total, 0u);  // the initial load is not a reload
}

TEST(ConfigStore, BadInitialLoadKeepsDefaultsAndSaysWhere) {
  TempDir dir;
  dir.Write("cfg.yml", "interfaces:\n  - name: wg0\n    online_threshold: 3q\n");
  ConfigStore store(dir.Path("cfg.yml"));
  const std::optional<ConfigError> error = store.LoadInitial();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line, 3);
  EXPECT_EQ(error->column, 23);
  EXPECT_TRUE(store.Current()->interfaces.empty());
  const ReloadStatus status = store.Status();
  EXPECT_FALSE(status.last_reload_successful);
  EXPECT_THAT(status.last_error, HasSubstr(dir.Path("cfg.yml") + ":3:23: "));
}

TEST(ConfigStore, UnchangedFilesAreNotReloaded) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("first"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const auto snapshot = store.Current();
  for (int i = 0; i < 5; ++i) store.ReloadIfChanged();
  EXPECT_EQ(store.Current(), snapshot);  // the very same object
  EXPECT_EQ(store.Status().reloads_total, 0u);
}

TEST(ConfigStore, EditInPlaceAndReplaceAreBothNoticed) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("first"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const auto first = store.Current();

  dir.Write("cfg.yml", NamedConfig("second-longer"));  // same inode, other size
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "second-longer");
  // The scrape that held the old snapshot still has it, untouched.
  EXPECT_EQ(first->FindPeer("wg0", K(kKey1))->name, "first");

  dir.WriteAtomically("cfg.yml", NamedConfig("third-longer"));  // same size, new inode
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "third-longer");

  const ReloadStatus status = store.Status();
  EXPECT_EQ(status.reloads_total, 2u);
  EXPECT_EQ(status.reload_failures_total, 0u);
  EXPECT_TRUE(status.last_reload_successful);
}

TEST(ConfigStore, BadEditKeepsTheOldSnapshotUntilFixed) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("good"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const auto good = store.Current();
  const double first_success = store.Status().last_success_timestamp_seconds;

  dir.Write("cfg.yml", NamedConfig("broken") + "    online_threshold: 0s\n");
  store.ReloadIfChanged();
  EXPECT_EQ(store.Current(), good);
  ReloadStatus status = store.Status();
  EXPECT_FALSE(status.last_reload_successful);
  EXPECT_EQ(status.last_error,
            dir.Path("cfg.yml") + ":6:23: interfaces[0].online_threshold: must be greater than 0");
  EXPECT_EQ(status.last_success_timestamp_seconds, first_success);
  EXPECT_EQ(status.reloads_total, 1u);
  EXPECT_EQ(status.reload_failures_total, 1u);

  // Parsed once per change, not once per scrape.
  for (int i = 0; i < 5; ++i) store.ReloadIfChanged();
  EXPECT_EQ(store.Status().reloads_total, 1u);

  // An explicit reload re-reads it and reports the error.
  const std::optional<ConfigError> error = store.Reload();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line, 6);
  EXPECT_EQ(store.Status().reload_failures_total, 2u);

  dir.Write("cfg.yml", NamedConfig("fixed-again"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "fixed-again");
  status = store.Status();
  EXPECT_TRUE(status.last_reload_successful);
  EXPECT_TRUE(status.last_error.empty());
  EXPECT_GE(status.last_success_timestamp_seconds, first_success);
  EXPECT_EQ(status.reloads_total, 3u);
  EXPECT_EQ(status.reload_failures_total, 2u);
}

TEST(ConfigStore, DeletedFileIsAFailedReloadUntilItReturns) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("kept"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());

  std::filesystem::remove(dir.Path("cfg.yml"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "kept");
  EXPECT_FALSE(store.Status().last_reload_successful);
  EXPECT_THAT(store.Status().last_error, HasSubstr("No such file or directory"));

  dir.Write("cfg.yml", NamedConfig("back"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "back");
  EXPECT_TRUE(store.Status().last_reload_successful);
}

TEST(ConfigStore, FileReplacedByADirectoryIsAFailedReload) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("kept"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());

  std::filesystem::remove(dir.Path("cfg.yml"));
  std::filesystem::create_directory(dir.Path("cfg.yml"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "kept");
  EXPECT_FALSE(store.Status().last_reload_successful);
  EXPECT_THAT(store.Status().last_error, HasSubstr("is a directory"));

  std::filesystem::remove(dir.Path("cfg.yml"));
  dir.Write("cfg.yml", NamedConfig("a-file-again"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "a-file-again");
  EXPECT_TRUE(store.Status().last_reload_successful);
}

TEST(ConfigStore, TruncatedFileIsAFailedReload) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("kept"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());

  dir.Write("cfg.yml", "");  // what `> cfg.yml` or an editor leaves for a moment
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "kept");
  EXPECT_FALSE(store.Status().last_reload_successful);
  EXPECT_THAT(store.Status().last_error, HasSubstr("the file is empty"));

  dir.Write("cfg.yml", NamedConfig("complete"));
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "complete");
}

TEST(ConfigStore, FileCutOffMidwayIsAFailedReload) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("kept"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const std::string whole = NamedConfig("kept");
  dir.Write("cfg.yml", whole.substr(0, whole.find("public_key: ") + 20));  // half a key
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "kept");
  EXPECT_FALSE(store.Status().last_reload_successful);
}

TEST(ConfigStore, AFileThatWasEmptyMayStayEmpty) {
  TempDir dir;
  dir.Write("cfg.yml", "");
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  EXPECT_FALSE(store.Reload().has_value());
  EXPECT_TRUE(store.Status().last_reload_successful);
  EXPECT_TRUE(store.Current()->discover);
}

TEST(ConfigStore, ExplicitReloadRereadsAnUnchangedFile) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("same"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const auto before = store.Current();
  EXPECT_FALSE(store.Reload().has_value());
  EXPECT_NE(store.Current(), before);  // a fresh snapshot
  EXPECT_EQ(PeerName(store), "same");
  EXPECT_EQ(store.Status().reloads_total, 1u);
}

TEST(ConfigStore, WgQuickFileAndDirectoryChangesTriggerReloads) {
  TempDir dir;
  std::filesystem::create_directory(dir.Path("wg"));
  const std::string interface_section =
      "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n";
  dir.Write("wg/wg0.conf", interface_section + "[Peer]\n# Name = one\nPublicKey = " + kKey1 + "\n");
  dir.Write("cfg.yml", "wg_quick:\n  directory: wg\ninterfaces:\n  - name: wg0\n");
  // Timestamps move in clock ticks of a few milliseconds; backdating the
  // directory makes sure adding a file below changes its stamp.
  const struct timespec long_ago[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, dir.Path("wg").c_str(), long_ago, 0), 0);
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  EXPECT_EQ(PeerName(store), "one");

  dir.Write("wg/wg0.conf",
            interface_section + "[Peer]\n# Name = renamed\nPublicKey = " + kKey1 + "\n");
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "renamed");

  // A new NAME.conf shows through the directory's stamp.
  dir.Write("wg/wg5.conf",
            interface_section + "[Peer]\n# Name = new-one\nPublicKey = " + kKey2 + "\n");
  store.ReloadIfChanged();
  const PeerConfig* discovered = store.Current()->FindPeer("wg5", K(kKey2));
  ASSERT_NE(discovered, nullptr);
  EXPECT_EQ(discovered->name, "new-one");

  // A broken wg-quick file: old names stay, the error names that file and line.
  dir.Write("wg/wg0.conf", interface_section + "[Peer]\nPublicKey = broken\n");
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "renamed");
  EXPECT_FALSE(store.Status().last_reload_successful);
  EXPECT_THAT(store.Status().last_error, HasSubstr(dir.Path("wg/wg0.conf") + ":4: "));

  dir.Write("wg/wg0.conf",
            interface_section + "[Peer]\n# Name = repaired\nPublicKey = " + kKey1 + "\n");
  store.ReloadIfChanged();
  EXPECT_EQ(PeerName(store), "repaired");
  EXPECT_TRUE(store.Status().last_reload_successful);
}

// Runs in a process that cannot read a mode-000 file. Returns "OK" when every
// check held, "SKIP: ..." when the process can read it anyway, or what failed.
std::string UnreadableFileScenario(const std::string& path) {
  ConfigStore store(path);
  if (auto error = store.LoadInitial()) return "initial load failed: " + error->ToString();
  if (::chmod(path.c_str(), 0) != 0) return "chmod 000 failed";
  if (::access(path.c_str(), R_OK) == 0) {
    return "SKIP: this process can read a mode-000 file (root or CAP_DAC_OVERRIDE)";
  }
  store.ReloadIfChanged();  // chmod moves ctime only; that must be enough
  const ReloadStatus failed = store.Status();
  if (failed.last_reload_successful) return "reload of an unreadable file succeeded";
  if (failed.last_error.find("Permission denied") == std::string::npos) {
    return "unexpected error: " + failed.last_error;
  }
  if (PeerName(store) != "readable") return "the old snapshot was not kept";
  if (::chmod(path.c_str(), 0644) != 0) return "chmod 644 failed";
  store.ReloadIfChanged();
  if (!store.Status().last_reload_successful) {
    return "no recovery once readable: " + store.Status().last_error;
  }
  return PeerName(store) == "readable" ? "OK" : "wrong snapshot after recovery";
}

TEST(ConfigStore, UnreadableFileIsAFailedReloadUntilReadableAgain) {
  TempDir dir;
  dir.Write("cfg.yml", NamedConfig("readable"));
  std::string outcome;
  if (::geteuid() != 0) {
    outcome = UnreadableFileScenario(dir.Path("cfg.yml"));
  } else {
    // Root reads anything; run the scenario as "nobody" in a child process
    // that owns the file, so permissions apply as they do in production.
    constexpr uid_t kNobody = 65534;
    ASSERT_EQ(::chown(dir.path().c_str(), kNobody, kNobody), 0);
    ASSERT_EQ(::chown(dir.Path("cfg.yml").c_str(), kNobody, kNobody), 0);
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      std::string result;
      if (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
          ::setresuid(kNobody, kNobody, kNobody) != 0) {
        result = "cannot drop privileges";
      } else {
        result = UnreadableFileScenario(dir.Path("cfg.yml"));
      }
      const ssize_t ignored = ::write(pipe_fds[1], result.data(), result.size());
      (void)ignored;
      ::_exit(0);
    }
    ::close(pipe_fds[1]);
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0) outcome.append(buffer, n);
    ::close(pipe_fds[0]);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
  }
  if (outcome.rfind("SKIP: ", 0) == 0) GTEST_SKIP() << outcome.substr(6);
  EXPECT_EQ(outcome, "OK");
}

// Two configurations of the same size that differ in every peer's name and
// in the interface label: any mix of them in one snapshot is detectable.
std::string Generation(char tag, int peers) {
  std::string yaml = std::string("defaults:\n  online_threshold: ") + (tag == 'a' ? "3m" : "4m") +
                     "\ninterfaces:\n  - name: wg0\n    labels: {generation: " + tag +
                     "}\n    peers:\n";
  for (int i = 0; i < peers; ++i) {
    Key key;
    key.bytes.fill(static_cast<std::uint8_t>(i + 1));
    yaml += "      - public_key: " + key.ToBase64() + "\n        name: " + tag + "-" +
            std::to_string(i) + "\n";
  }
  return yaml;
}

// The generation a snapshot wholly belongs to, or '?' when it is mixed.
char GenerationOf(const Config& config, int peers) {
  if (config.interfaces.size() != 1) return '?';
  const InterfaceConfig& iface = config.interfaces[0];
  if (iface.labels.size() != 1 || iface.labels[0].second.size() != 1) return '?';
  const char tag = iface.labels[0].second[0];
  if (config.default_online_threshold != milliseconds{tag == 'a' ? 180'000 : 240'000}) return '?';
  if (iface.peers.size() != static_cast<std::size_t>(peers)) return '?';
  for (const auto& [key, peer] : iface.peers) {
    const std::string expected = std::string(1, tag) + "-" + std::to_string(key.bytes[0] - 1);
    if (peer.name != expected) return '?';
    if (peer.labels.size() != 1 || peer.labels[0].second != std::string(1, tag)) return '?';
  }
  return tag;
}

TEST(ConfigStore, ReadersSeeWholeSnapshotsWhileTheFileAlternates) {
  constexpr int kPeers = 50;
  constexpr int kReaders = 8;
  TempDir dir;
  const std::string a = Generation('a', kPeers);
  const std::string b = Generation('b', kPeers);
  ASSERT_EQ(a.size(), b.size());  // so only the inode tells the versions apart
  dir.WriteAtomically("cfg.yml", a);
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  // The detector itself: generation A is recognised, one foreign name is not.
  ASSERT_EQ(GenerationOf(*store.Current(), kPeers), 'a');
  Config mixed_copy = *store.Current();
  mixed_copy.interfaces[0].peers.begin()->second.name = "b-0";
  ASSERT_EQ(GenerationOf(mixed_copy, kPeers), '?');

  std::atomic<bool> stop{false};
  std::atomic<long> writes{0};
  std::atomic<long> seen_a{0}, seen_b{0}, mixed{0};
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        store.ReloadIfChanged();
        const std::shared_ptr<const Config> snapshot = store.Current();
        switch (GenerationOf(*snapshot, kPeers)) {
          case 'a':
            ++seen_a;
            break;
          case 'b':
            ++seen_b;
            break;
          default:
            ++mixed;
        }
      }
    });
  }
  std::thread writer([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    bool next_is_b = true;
    while (std::chrono::steady_clock::now() < deadline) {
      dir.WriteAtomically("cfg.yml", next_is_b ? b : a);
      next_is_b = !next_is_b;
      ++writes;
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
    stop = true;
  });
  writer.join();
  for (std::thread& reader : readers) reader.join();

  RecordProperty("snapshots_a", std::to_string(seen_a.load()));
  RecordProperty("snapshots_b", std::to_string(seen_b.load()));
  RecordProperty("reloads", std::to_string(store.Status().reloads_total));
  RecordProperty("writes", std::to_string(writes.load()));
  EXPECT_EQ(mixed.load(), 0);
  EXPECT_GT(seen_a.load(), 0);
  EXPECT_GT(seen_b.load(), 0);
  const ReloadStatus status = store.Status();
  EXPECT_GT(status.reloads_total, 10u);  // the readers really did reload
  // Every version was written whole by rename, so no reload could fail.
  EXPECT_EQ(status.reload_failures_total, 0u);
  EXPECT_TRUE(status.last_reload_successful);
}

// A view pairs each snapshot with the status of the reload that made it:
// after the k-th reload the peer is named gen-k and reloads_total is k, and no
// reader may ever see one without the other, however the reloads interleave.
TEST(ConfigStore, ViewPairsEachSnapshotWithItsReloadStatus) {
  constexpr int kReaders = 4;
  TempDir dir;
  dir.WriteAtomically("cfg.yml", NamedConfig("gen-0"));
  ConfigStore store(dir.Path("cfg.yml"));
  ASSERT_FALSE(store.LoadInitial().has_value());
  const auto generation = [](const StoreView& view) {
    const std::string& name = view.config->interfaces.at(0).peers.at(K(kKey1)).name;
    return std::stoul(name.substr(4));
  };
  ASSERT_EQ(generation(store.View()), 0u);

  std::atomic<bool> stop{false};
  std::atomic<long> views{0};
  std::atomic<long> mismatched{0};
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        const StoreView view = store.View();
        if (generation(view) != view.status.reloads_total) ++mismatched;
        ++views;
      }
    });
  }
  unsigned long reloads = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  while (std::chrono::steady_clock::now() < deadline) {
    dir.WriteAtomically("cfg.yml", NamedConfig("gen-" + std::to_string(reloads + 1)));
    ASSERT_FALSE(store.Reload().has_value());
    ++reloads;
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();

  RecordProperty("reloads", std::to_string(reloads));
  RecordProperty("views", std::to_string(views.load()));
  EXPECT_GT(reloads, 10u);
  EXPECT_GT(views.load(), 1000);
  EXPECT_EQ(mismatched.load(), 0);
  const StoreView last = store.View();
  EXPECT_EQ(generation(last), reloads);
  EXPECT_EQ(last.status.reloads_total, reloads);
}

}  // namespace
}  // namespace wgx
