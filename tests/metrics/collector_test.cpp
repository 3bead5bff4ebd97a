#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "exporter/config/config_store.h"
#include "exporter/metrics/collector.h"
#include "tests/metrics/fixtures.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace wgx::testing;  // NOLINT(google-build-using-namespace): test builders

constexpr std::int64_t kNow = 1'700'000'000;

// The one place a fake is right: the collector must not know where devices
// come from. Answers are set per interface name; anything else fails to read.
class FakeSource : public DeviceSource {
 public:
  std::vector<InterfaceRef> listed;
  std::vector<std::string> list_errors;
  std::map<std::string, Device> devices;
  // Answered with neither a device nor an error.
  std::set<std::string> silent;
  std::function<void()> on_list;
  std::chrono::milliseconds read_delay{0};
  bool read_throws = false;
  // Fewer answers than requests: the rest go unanswered.
  std::size_t max_answers = std::numeric_limits<std::size_t>::max();
  std::vector<std::vector<ReadRequest>> reads;

  std::vector<InterfaceRef> List(std::vector<std::string>& errors) override {
    if (on_list) on_list();
    errors.insert(errors.end(), list_errors.begin(), list_errors.end());
    return listed;
  }

  std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override {
    reads.push_back(requests);
    std::this_thread::sleep_for(read_delay);
    if (read_throws) throw std::runtime_error("reader exploded");
    std::vector<ReadResult> results;
    for (const ReadRequest& request : requests) {
      ReadResult result;
      result.duration_seconds = 0.001;
      if (results.size() == max_answers) break;
      const auto it = devices.find(request.interface.name);
      if (silent.count(request.interface.name) != 0) {
        // neither device nor error
      } else if (it != devices.end()) {
        result.device = it->second;
      } else {
        result.error = "connection refused";
      }
      results.push_back(std::move(result));
    }
    return results;
  }

  void Add(Device device) {
    listed.push_back({device.name, device.implementation});
    devices[device.name] = std::move(device);
  }
};

class TempConfigFile {
 public:
  void Write(const std::string& yaml) const { dir_.Write("config.yml", yaml); }
  std::string path() const { return dir_.Path("config.yml"); }

 private:
  testing::TempDir dir_;
};

// What the default logger writes while it lives, one message a line.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    sink->set_pattern("%v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", std::move(sink)));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::vector<std::string> Lines(std::string_view prefix) const {
    return LinesStartingWith(stream_.str(), prefix);
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

WallClock FixedClock() {
  return [] { return UnixTime(kNow); };
}

std::string WithoutScrapeDuration(const std::string& text) {
  std::string out;
  for (const std::string& line : LinesStartingWith(text, "")) {
    if (line.rfind("wireguard_exporter_scrape_duration_seconds ", 0) != 0) out += line + "\n";
  }
  return out;
}

class CollectorTest : public ::testing::Test {
 protected:
  // Loads `yaml` as the store's file.
  std::unique_ptr<ConfigStore> StoreWith(const std::string& yaml) {
    file_.Write(yaml);
    auto store = std::make_unique<ConfigStore>(file_.path());
    const auto error = store->LoadInitial();
    EXPECT_FALSE(error.has_value()) << error->ToString();
    return store;
  }

  TempConfigFile file_;
  FakeSource source_;
};

TEST_F(CollectorTest, SelectsDiscoveredAndListedInterfacesButNeverExcludedOnes) {
  auto store = StoreWith(R"(
defaults: {online_threshold: 2m, read_timeout: 3s}
discover: true
exclude: ["wgtest*"]
interfaces:
  - name: wg0
    read_timeout: 500ms
    labels: {site: a}
  - name: wg9
)");
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}));
  source_.Add(MakeDevice("wg1", Implementation::kUserspace, {MakePeer(2)}));
  source_.Add(MakeDevice("wgtest0", Implementation::kUserspace, {MakePeer(3)}));
  Collector collector(*store, source_, FixedClock(), BuildInfo{"1.2.3", "cafe"});
  const std::string out = collector.CollectText();

  ASSERT_EQ(source_.reads.size(), 1u);
  ASSERT_EQ(source_.reads[0].size(), 2u);
  EXPECT_EQ(source_.reads[0][0].interface, (InterfaceRef{"wg0", Implementation::kKernel}));
  EXPECT_EQ(source_.reads[0][0].timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(source_.reads[0][1].interface, (InterfaceRef{"wg1", Implementation::kUserspace}));
  EXPECT_EQ(source_.reads[0][1].timeout, std::chrono::seconds(3));

  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_up{"),
              ElementsAre("wireguard_interface_up{interface=\"wg0\",site=\"a\"} 1",
                          "wireguard_interface_up{interface=\"wg1\"} 1",
                          "wireguard_interface_up{interface=\"wg9\"} 0"));
  EXPECT_THAT(out, Not(HasSubstr("wgtest")));
  EXPECT_THAT(out, Not(HasSubstr(MakeKey(3).ToBase64())));
  // wg9 was never read: no duration, but its threshold is still exported.
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_read_duration_seconds{interface=\"wg9\""),
              IsEmpty());
  EXPECT_TRUE(HasLine(out, "wireguard_interface_online_threshold_seconds{interface=\"wg9\"} 120"));
  EXPECT_TRUE(HasLine(out, "wireguard_exporter_build_info{version=\"1.2.3\",revision=\"cafe\"} 1"));
}

TEST_F(CollectorTest, DiscoverFalseReadsOnlyListedInterfaces) {
  auto store = StoreWith(R"(
discover: false
interfaces:
  - name: wg1
)");
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}));
  source_.Add(MakeDevice("wg1", Implementation::kUserspace, {MakePeer(2)}));
  Collector collector(*store, source_, FixedClock(), BuildInfo{});
  const std::string out = collector.CollectText();
  ASSERT_EQ(source_.reads.size(), 1u);
  ASSERT_EQ(source_.reads[0].size(), 1u);
  EXPECT_EQ(source_.reads[0][0].interface.name, "wg1");
  EXPECT_THAT(LinesStartingWith(out, "wireguard_interface_up{"),
              ElementsAre("wireguard_interface_up{interface=\"wg1\"} 1"));
  EXPECT_THAT(out, Not(HasSubstr("\"wg0\"")));
}

TEST_F(CollectorTest, ListedInterfaceThatIsExcludedIsNotReported) {
  auto store = StoreWith(R"(
exclude: ["wgx*"]
interfaces:
  - name: wgx0
)");
  Collector collector(*store, source_, FixedClock(), BuildInfo{});
  const std::string out = collector.CollectText();
  EXPECT_THAT(out, Not(HasSubstr("wgx0")));
  EXPECT_TRUE(source_.reads.empty());
}

TEST_F(CollectorTest, FailingInterfaceIsDownWhileOthersAreServed) {
  ConfigStore store(std::nullopt);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}));
  source_.listed.push_back({"wg1", Implementation::kUserspace});  // lists, but cannot be read
  source_.list_errors.push_back("netlink: permission denied");
  Collector collector(store, source_, FixedClock(), BuildInfo{});
  const std::string out = collector.CollectText();
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg1\"} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 1) + "} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_read_duration_seconds{interface=\"wg1\"} 0.001"));
}

TEST_F(CollectorTest, ReaderThatThrowsOrAnswersTooLittleNeverFailsTheScrape) {
  ConfigStore store(std::nullopt);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {}));
  source_.Add(MakeDevice("wg1", Implementation::kKernel, {}));
  Collector collector(store, source_, FixedClock(), BuildInfo{});

  source_.max_answers = 1;
  std::string out = collector.CollectText();
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg1\"} 0"));

  source_.read_throws = true;
  out = collector.CollectText();
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\"} 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg1\"} 0"));
  EXPECT_THAT(out, HasSubstr("wireguard_exporter_scrape_duration_seconds "));
}

TEST_F(CollectorTest, EveryDownInterfaceIsLoggedWithItsReason) {
  auto store = StoreWith("interfaces:\n  - name: wg9\n");
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {}));
  source_.Add(MakeDevice("wg1", Implementation::kKernel, {}));
  source_.silent = {"wg1"};
  source_.listed.push_back({"wg2", Implementation::kUserspace});  // cannot be read
  source_.Add(MakeDevice("wg3", Implementation::kKernel, {}));
  source_.max_answers = 3;  // wg3 goes unanswered
  Collector collector(*store, source_, FixedClock(), BuildInfo{});
  const CapturedLog log;
  const std::string out = collector.CollectText();

  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\"} 1"));
  for (const char* down : {"wg1", "wg2", "wg3", "wg9"}) {
    EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"" + std::string(down) + "\"} 0"))
        << down;
  }
  EXPECT_THAT(log.Lines("interface "),
              ElementsAre("interface wg1 down: the reader returned no device and no error",
                          "interface wg2 down: connection refused",
                          "interface wg3 down: no answer from the reader",
                          "interface wg9 down: not found"));
}

TEST_F(CollectorTest, AgesAreMeasuredAgainstTheInjectedClock) {
  ConfigStore store(std::nullopt);
  Peer peer = MakePeer(1);
  peer.last_handshake_seconds = kNow - 42;
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {peer}));
  Collector collector(store, source_, FixedClock(), BuildInfo{});
  const std::string out = collector.CollectText();
  EXPECT_TRUE(
      HasLine(out, "wireguard_peer_last_handshake_age_seconds{" + PeerLabels("wg0", 1) + "} 42"));
  EXPECT_TRUE(HasLine(out, "wireguard_peer_online{" + PeerLabels("wg0", 1) + "} 1"));
}

TEST_F(CollectorTest, OneScrapeUsesOneSnapshotEvenWhenAReloadLandsMidway) {
  const std::string key = MakeKey(1).ToBase64();
  const std::string version_a = R"(
interfaces:
  - name: wg0
    online_threshold: 10s
    read_timeout: 1s
    labels: {site: a}
    peers:
      - {public_key: ")" + key + R"(", name: alice}
)";
  const std::string version_b = R"(
interfaces:
  - name: wg0
    online_threshold: 20s
    read_timeout: 4s
    labels: {site: bbb}
    peers:
      - {public_key: ")" + key + R"(", name: bob}
)";
  auto store = StoreWith(version_a);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}));
  // The reload lands after the scrape took its snapshot, before it reads.
  source_.on_list = [&] {
    file_.Write(version_b);
    ASSERT_FALSE(store->Reload().has_value());
    source_.on_list = nullptr;
  };
  Collector collector(*store, source_, FixedClock(), BuildInfo{});

  const std::string first = collector.CollectText();
  EXPECT_EQ(source_.reads.at(0).at(0).timeout, std::chrono::seconds(1));
  EXPECT_TRUE(
      HasLine(first, "wireguard_peer_online{" + PeerLabels("wg0", 1, "alice") + ",site=\"a\"} 0"));
  EXPECT_TRUE(HasLine(
      first, "wireguard_interface_online_threshold_seconds{interface=\"wg0\",site=\"a\"} 10"));
  EXPECT_THAT(first, Not(HasSubstr("bob")));
  EXPECT_THAT(first, Not(HasSubstr("bbb")));
  // The reload status is the snapshot's: the reload that landed midway
  // belongs to the next scrape, with its config.
  EXPECT_TRUE(HasLine(first, "wireguard_exporter_config_reloads_total 0"));

  const std::string second = collector.CollectText();
  EXPECT_EQ(source_.reads.at(1).at(0).timeout, std::chrono::seconds(4));
  EXPECT_TRUE(
      HasLine(second, "wireguard_peer_online{" + PeerLabels("wg0", 1, "bob") + ",site=\"bbb\"} 0"));
  EXPECT_THAT(second, Not(HasSubstr("alice")));
  EXPECT_TRUE(HasLine(second, "wireguard_exporter_config_reloads_total 1"));
}

TEST_F(CollectorTest, EditedFileShowsInTheNextScrapeAndABrokenOneKeepsTheOld) {
  auto store = StoreWith("interfaces:\n  - name: wg0\n    labels: {site: a}\n");
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {}));
  Collector collector(*store, source_, FixedClock(), BuildInfo{});
  EXPECT_TRUE(
      HasLine(collector.CollectText(), "wireguard_interface_up{interface=\"wg0\",site=\"a\"} 1"));

  file_.Write("interfaces:\n  - name: wg0\n    labels: {site: bb}\n");
  std::string out = collector.CollectText();
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\",site=\"bb\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_exporter_config_last_reload_successful 1"));

  file_.Write("interfaces:\n  - name: wg0\n    labels: {site: bb}\n    bogus_key: 1\n");
  out = collector.CollectText();
  EXPECT_TRUE(HasLine(out, "wireguard_interface_up{interface=\"wg0\",site=\"bb\"} 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_exporter_config_last_reload_successful 0"));
  EXPECT_TRUE(HasLine(out, "wireguard_exporter_config_reload_failures_total 1"));
  EXPECT_TRUE(HasLine(out, "wireguard_exporter_config_reloads_total 2"));
}

TEST_F(CollectorTest, PeerThatDisappearsBetweenScrapesLeavesNoSeries) {
  ConfigStore store(std::nullopt);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1), MakePeer(2)}));
  source_.Add(MakeDevice("wg1", Implementation::kKernel, {MakePeer(3)}));
  Collector collector(store, source_, FixedClock(), BuildInfo{});
  const std::string first = collector.CollectText();
  ASSERT_THAT(first, HasSubstr(MakeKey(2).ToBase64()));
  ASSERT_THAT(first, HasSubstr("interface=\"wg1\""));

  source_.devices["wg0"].peers.pop_back();
  source_.listed.pop_back();  // wg1 is gone as well
  const std::string second = collector.CollectText();
  EXPECT_THAT(second, HasSubstr(MakeKey(1).ToBase64()));
  EXPECT_THAT(second, Not(HasSubstr(MakeKey(2).ToBase64())));
  EXPECT_THAT(second, Not(HasSubstr("wg1")));
}

TEST_F(CollectorTest, ScrapeDurationCoversTheRead) {
  ConfigStore store(std::nullopt);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {}));
  source_.read_delay = std::chrono::milliseconds(50);
  Collector collector(store, source_, FixedClock(), BuildInfo{});
  const std::vector<std::string> lines =
      LinesStartingWith(collector.CollectText(), "wireguard_exporter_scrape_duration_seconds ");
  ASSERT_EQ(lines.size(), 1u);
  const double seconds = std::strtod(lines[0].c_str() + lines[0].find(' ') + 1, nullptr);
  EXPECT_GE(seconds, 0.05);
  EXPECT_LT(seconds, 60);
}

TEST_F(CollectorTest, StreamedCollectMatchesTheWholeTextWriter) {
  ConfigStore store(std::nullopt);
  const Device device = MakeDevice("wg0", Implementation::kKernel, MakePeers(100));
  source_.Add(device);
  Collector collector(store, source_, FixedClock(), BuildInfo{"1.2.3", "cafe"});
  std::string streamed;
  int chunks = 0;
  EXPECT_TRUE(collector.Collect(
      [&](std::string_view chunk) {
        streamed.append(chunk);
        ++chunks;
        return true;
      },
      4096));
  EXPECT_GT(chunks, 3);

  // The same scrape written whole: the store's snapshot, what the source
  // answered, the collector's clock and build.
  ScrapeData scrape;
  const StoreView view = store.View();
  scrape.config = *view.config;
  scrape.reload = view.status;
  scrape.readings = {ReadingOf(device, 0.001)};
  scrape.now = UnixTime(kNow);
  scrape.build = {"1.2.3", "cafe"};
  EXPECT_EQ(WithoutScrapeDuration(streamed), WithoutScrapeDuration(scrape.Render()));
}

TEST_F(CollectorTest, ConcurrentScrapesAllSucceed) {
  ConfigStore store(std::nullopt);
  source_.Add(MakeDevice("wg0", Implementation::kKernel, {MakePeer(1)}));
  // The fake records reads; guard it, as a real source is thread-safe.
  struct LockedSource : DeviceSource {
    FakeSource& inner;
    std::mutex mutex;
    explicit LockedSource(FakeSource& s) : inner(s) {}
    std::vector<InterfaceRef> List(std::vector<std::string>& errors) override {
      const std::lock_guard lock(mutex);
      return inner.List(errors);
    }
    std::vector<ReadResult> Read(const std::vector<ReadRequest>& requests) override {
      const std::lock_guard lock(mutex);
      return inner.Read(requests);
    }
  } locked(source_);
  Collector collector(store, locked, FixedClock(), BuildInfo{});
  const std::string expected = WithoutScrapeDuration(collector.CollectText());
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(8);
  for (std::size_t t = 0; t < outputs.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) outputs[t] = collector.CollectText();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& out : outputs) EXPECT_EQ(WithoutScrapeDuration(out), expected);
}

}  // namespace
}  // namespace wgx
