// The UAPI dialects of boringtun and amneziawg-go: their answers parsed, and
// read from stand-in sockets that answer byte for byte as those programs do
// (boringtun: one command line read, the answer and "errno=0" with its blank
// line in one write, then the connection closed; amneziawg-go: wireguard-go's
// protocol with its own keys, in its own socket directory), through the whole
// scrape to the exposition.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exporter/config/config_store.h"
#include "exporter/metrics/collector.h"
#include "exporter/wireguard/host_source.h"
#include "exporter/wireguard/uapi_parser.h"
#include "exporter/wireguard/unique_fd.h"
#include "tests/support/fixture.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::wgx::testing::ReadFixture;
using ::wgx::testing::TempDir;

constexpr char kOwnKey[] = "o5o4qpVTc72iNtkDHS9zfD1l8y2+y1+hQRcxTM8qDSY=";
constexpr char kPeer5s[] = "EQtkhKk/lTgpPie0I2L7BQtNY31iLnODuNuD0nv/RdY=";
constexpr char kPeer300s[] = "ghvpZ14wyo0NGNm/NXMmWW2qiDi5nS1BhnwAHFH5Ez8=";
constexpr char kPeerNever[] = "a5jbYjbWqPj/cAOFm/aRF0sTdh7G4fCPPNwGAb7DhPQ=";
constexpr char kAwgPeer1[] = "2HRiKFCpg099E1AVf+ExZ995mJsTWwCMkrXTbPt8fRw=";
constexpr char kAwgPeer2[] = "cUzqmP/Ks08cpoQ/MhtOI1RmYA4QM7OhbuqSvcIP5CM=";
constexpr std::int64_t kNow = 1'800'000'000;

Key KeyOf(const char* base64) { return Key::FromBase64(base64).value(); }

Device Parse(const std::string& answer, const char* name = "wg0") {
  UapiParseResult parsed = ParseUapiGet(answer, name);
  EXPECT_TRUE(parsed.device.has_value()) << parsed.error;
  return parsed.device.value_or(Device{});
}

std::string ParseError(const std::string& answer) {
  UapiParseResult parsed = ParseUapiGet(answer, "wg0");
  EXPECT_FALSE(parsed.device.has_value());
  return parsed.error;
}

// The same three peers as wireguard-go (device/uapi.go, IpcGetOperation)
// writes them: private key first, every peer with its preshared key (zeros
// for none), protocol_version, Unix handshake times (0 for none), tx before rx.
std::string WireguardGoEquivalent() {
  const std::string zeros(64, '0');
  const std::string psk = "4bc39c0cd8da1be3c4cd0ed3d5e0c11bfef07d2c8c7a65e1dbd36e1e0b0aa3d6";
  return "private_key=006c250db50f7aba20e9f811fab328eb5c353b86183c5fdd653f7b15655df66e\n"
         "listen_port=51820\n"
         "public_key=110b6484a93f9538293e27b42362fb050b4d637d622e7383b8db83d27bff45d6\n"
         "preshared_key=" +
         psk +
         "\n"
         "protocol_version=1\n"
         "endpoint=192.0.2.10:51820\n"
         "last_handshake_time_sec=" +
         std::to_string(kNow - 6) +
         "\n"
         "last_handshake_time_nsec=750000000\n"
         "tx_bytes=2368\n"
         "rx_bytes=1184\n"
         "persistent_keepalive_interval=25\n"
         "allowed_ip=10.200.0.2/32\n"
         "public_key=821be9675e30ca8d0d18d9bf357326596daa8838b99d2d41867c001c51f9133f\n"
         "preshared_key=" +
         zeros +
         "\n"
         "protocol_version=1\n"
         "endpoint=[2001:db8::20]:51821\n"
         "last_handshake_time_sec=" +
         std::to_string(kNow - 300) +
         "\n"
         "last_handshake_time_nsec=0\n"
         "tx_bytes=148\n"
         "rx_bytes=92\n"
         "allowed_ip=10.200.0.3/32\n"
         "allowed_ip=fd00:200::3/128\n"
         "public_key=6b98db6236d6a8f8ff7003859bf691174b13761ec6e1f08f3cdc0601bec384f4\n"
         "preshared_key=" +
         zeros +
         "\n"
         "protocol_version=1\n"
         "last_handshake_time_sec=0\n"
         "last_handshake_time_nsec=0\n"
         "tx_bytes=0\n"
         "rx_bytes=0\n"
         "allowed_ip=10.200.0.4/32\n"
         "errno=0\n\n";
}

TEST(UapiDialects, BoringtunAnswerGivesOwnKeyAndElapsedHandshakes) {
  Device device = Parse(ReadFixture("uapi/boringtun_three_peers.txt"));
  ASSERT_TRUE(device.public_key.has_value());
  EXPECT_EQ(device.public_key->ToBase64(), kOwnKey);
  EXPECT_EQ(device.listen_port, 51820);
  EXPECT_EQ(device.protocol, Protocol::kWireGuard);
  ASSERT_EQ(device.peers.size(), 3u);
  const Peer& fresh = device.peers[0];
  EXPECT_EQ(fresh.public_key, KeyOf(kPeer5s));
  EXPECT_TRUE(fresh.has_preshared_key);
  EXPECT_EQ(fresh.persistent_keepalive_interval, 25);
  EXPECT_EQ(fresh.endpoint, "192.0.2.10:51820");
  EXPECT_TRUE(fresh.handshake_elapsed);
  EXPECT_EQ(fresh.last_handshake_seconds, 5);
  EXPECT_EQ(fresh.last_handshake_nanoseconds, 250'000'000);
  // boringtun writes rx_bytes before tx_bytes.
  EXPECT_EQ(fresh.receive_bytes, 1184u);
  EXPECT_EQ(fresh.transmit_bytes, 2368u);
  EXPECT_TRUE(device.peers[1].handshake_elapsed);
  EXPECT_EQ(device.peers[1].last_handshake_seconds, 300);
  EXPECT_EQ(device.peers[1].allowed_ips.size(), 2u);
  // No handshake: boringtun writes no last_handshake_time lines at all.
  EXPECT_FALSE(device.peers[2].handshake_elapsed);
  EXPECT_EQ(device.peers[2].last_handshake_seconds, 0);

  ResolveElapsedHandshakes(device,
                           std::chrono::system_clock::time_point(std::chrono::seconds(kNow)));
  EXPECT_FALSE(device.peers[0].handshake_elapsed);
  EXPECT_EQ(device.peers[0].last_handshake_seconds, kNow - 6);
  EXPECT_EQ(device.peers[0].last_handshake_nanoseconds, 750'000'000);
  EXPECT_EQ(device.peers[1].last_handshake_seconds, kNow - 300);
  EXPECT_EQ(device.peers[1].last_handshake_nanoseconds, 0);
  EXPECT_EQ(device.peers[2].last_handshake_seconds, 0);
}

TEST(UapiDialects, ResolvedBoringtunEqualsTheWireguardGoAnswerOfTheSameState) {
  Device boringtun = Parse(ReadFixture("uapi/boringtun_three_peers.txt"));
  ResolveElapsedHandshakes(boringtun,
                           std::chrono::system_clock::time_point(std::chrono::seconds(kNow)));
  Device go = Parse(WireguardGoEquivalent());
  EXPECT_FALSE(go.peers[0].handshake_elapsed);
  EXPECT_EQ(boringtun.peers, go.peers);
  // And resolving a wireguard-go device changes nothing.
  const Device before = go;
  ResolveElapsedHandshakes(go, std::chrono::system_clock::time_point(std::chrono::seconds(kNow)));
  EXPECT_EQ(go, before);
}

TEST(UapiDialects, ElapsedTimeBeyondTheEpochIsNoHandshake) {
  Device device = Parse(ReadFixture("uapi/boringtun_three_peers.txt"));
  ResolveElapsedHandshakes(device,
                           std::chrono::system_clock::time_point(std::chrono::seconds(200)));
  EXPECT_EQ(device.peers[0].last_handshake_seconds, 194);
  EXPECT_EQ(device.peers[1].last_handshake_seconds, 0);  // 300 s before a clock at 200 s
  EXPECT_EQ(device.peers[1].last_handshake_nanoseconds, 0);
}

TEST(UapiDialects, BoringtunWithoutKeyHasNoInterfaceKey) {
  Device device = Parse(
      "listen_port=51820\npublic_key="
      "6b98db6236d6a8f8ff7003859bf691174b13761ec6e1f08f3cdc0601bec384f4\n"
      "rx_bytes=0\ntx_bytes=0\nerrno=0\n\n");
  EXPECT_FALSE(device.public_key.has_value());
  ASSERT_EQ(device.peers.size(), 1u);
  EXPECT_FALSE(device.peers[0].handshake_elapsed);
}

TEST(UapiDialects, BoringtunErrorsSayWhere) {
  EXPECT_EQ(ParseError("own_public_key=abc\nerrno=0\n\n"),
            "parse error at line 1: own_public_key is not 64 hex digits");
  EXPECT_EQ(ParseError("public_key=" + std::string(64, 'a') +
                       "\nown_public_key=" + std::string(64, 'b') + "\nerrno=0\n\n"),
            "parse error at line 2: own_public_key after the first peer");
  EXPECT_EQ(ParseError("own_public_key=" + std::string(64, 'b') + "\nerrno=5\n\n"),
            "the implementation answered errno=5 (Input/output error)");
}

TEST(UapiDialects, AmneziawgGoAnswerGivesItsSettings) {
  Device device = Parse(ReadFixture("uapi/amneziawg_go_two_peers.txt"), "awg0");
  EXPECT_EQ(device.protocol, Protocol::kAmneziaWg);
  ASSERT_TRUE(device.amnezia.has_value());
  const AmneziaParameters& awg = *device.amnezia;
  EXPECT_EQ(awg.junk_count, 4u);
  EXPECT_EQ(awg.junk_min, 40u);
  EXPECT_EQ(awg.junk_max, 70u);
  EXPECT_EQ(awg.padding, (std::array<std::uint32_t, 4>{15, 18, 20, 23}));
  EXPECT_EQ(awg.headers[0], (ValueRange{1020325451, 1020325451}));
  EXPECT_EQ(awg.headers[1], (ValueRange{3288052141, 3288052141}));
  EXPECT_EQ(awg.headers[2], (ValueRange{1766607858, 1766607900}));
  EXPECT_EQ(awg.headers[3], (ValueRange{2528465083, 2528465083}));
  Key private_key;
  for (std::size_t i = 0; i < kKeyLength; ++i) {
    private_key.bytes[i] = static_cast<std::uint8_t>(
        std::stoi(std::string("044d6dda81ddad324872c1aa55a6e42ba2aa60af570b9c9222cfb826577d2045")
                      .substr(2 * i, 2),
                  nullptr, 16));
  }
  EXPECT_EQ(device.public_key, PublicKeyFromPrivate(private_key));
  ASSERT_EQ(device.peers.size(), 2u);
  EXPECT_EQ(device.peers[0].public_key, KeyOf(kAwgPeer1));
  // A keepalive range: its longest interval bounds the handshake age.
  EXPECT_EQ(device.peers[0].persistent_keepalive_interval, 30);
  EXPECT_EQ(device.peers[0].last_handshake_seconds, 1795796452);
  EXPECT_FALSE(device.peers[0].handshake_elapsed);
  EXPECT_EQ(device.peers[1].public_key, KeyOf(kAwgPeer2));
}

TEST(UapiDialects, AmneziawgGoWithEverySettingOffIsStillAmneziawg) {
  Device device = Parse(ReadFixture("uapi/amneziawg_go_settings_off.txt"), "awg0");
  EXPECT_EQ(device.protocol, Protocol::kAmneziaWg);
  ASSERT_TRUE(device.amnezia.has_value());
  EXPECT_EQ(device.amnezia->junk_count, 0u);
}

TEST(UapiDialects, WireguardGoAnswerIsWireguard) {
  Device device = Parse(ReadFixture("uapi/handshaken_initiator.txt"));
  EXPECT_EQ(device.protocol, Protocol::kWireGuard);
  EXPECT_FALSE(device.amnezia.has_value());
}

TEST(UapiDialects, AmneziawgErrorsSayWhere) {
  EXPECT_EQ(ParseError("jc=many\nerrno=0\n\n"),
            "parse error at line 1: jc is not a number in 0..4294967295");
  EXPECT_EQ(ParseError("listen_port=1\nh2=9-3\nerrno=0\n\n"),
            "parse error at line 2: h2 is not a number or a range lo-hi in 0..4294967295");
  EXPECT_EQ(ParseError("s3=4294967296\nerrno=0\n\n"),
            "parse error at line 1: s3 is not a number in 0..4294967295");
  EXPECT_EQ(ParseError("public_key=" + std::string(64, 'a') + "\njmin=3\nerrno=0\n\n"),
            "parse error at line 2: jmin after the first peer");
  EXPECT_EQ(ParseError("public_key=" + std::string(64, 'a') +
                       "\npersistent_keepalive_interval=30-20\nerrno=0\n\n"),
            "parse error at line 2: persistent_keepalive_interval is not a number in 0..65535");
}

// ---------------------------------------------------------------------------
// Stand-in sockets.

enum class Dialect {
  // boringtun (src/device/api.rs): reads one line, writes the answer with
  // "errno=0\n\n" through one buffered writer, and drops the connection.
  kBoringtun,
  // wireguard-go and amneziawg-go (ipc handling in device/uapi.go): reads
  // "get=1\n\n", answers, and keeps the connection until the client leaves.
  kWireguardGo,
};

class StandInServer {
 public:
  StandInServer(const std::string& path, Dialect dialect, std::string answer)
      : dialect_(dialect), answer_(std::move(answer)) {
    listener_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0)
        << path << ": " << std::strerror(errno);
    EXPECT_EQ(listen(listener_.get(), 8), 0);
    int pipe_fds[2];
    EXPECT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    stop_read_.reset(pipe_fds[0]);
    stop_write_.reset(pipe_fds[1]);
    thread_ = std::thread([this] { Serve(); });
  }
  StandInServer(const StandInServer&) = delete;
  StandInServer& operator=(const StandInServer&) = delete;
  ~StandInServer() {
    const char byte = 'x';
    EXPECT_EQ(write(stop_write_.get(), &byte, 1), 1);
    thread_.join();
  }

  int answered() const { return answered_.load(); }
  std::string last_request() const {
    std::lock_guard lock(mutex_);
    return last_request_;
  }

 private:
  bool Wait(int fd, short events) {
    pollfd fds[2] = {{fd, events, 0}, {stop_read_.get(), POLLIN, 0}};
    return poll(fds, 2, -1) > 0 && fds[1].revents == 0;
  }

  void Serve() {
    while (Wait(listener_.get(), POLLIN)) {
      UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client) Handle(client.get());
    }
  }

  void Handle(int fd) {
    const std::string end = dialect_ == Dialect::kBoringtun ? "\n" : "\n\n";
    std::string request;
    char buffer[64];
    while (request.find(end) == std::string::npos) {
      if (!Wait(fd, POLLIN)) return;
      const ssize_t got = read(fd, buffer, sizeof buffer);
      if (got <= 0) return;
      request.append(buffer, static_cast<std::size_t>(got));
    }
    {
      std::lock_guard lock(mutex_);
      last_request_ = request;
    }
    // Counted before answering: the client may be done before this thread
    // gets to run again.
    ++answered_;
    std::string_view data = answer_;
    while (!data.empty()) {
      if (!Wait(fd, POLLOUT)) return;
      const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    if (dialect_ == Dialect::kBoringtun) return;  // the stream is dropped
    while (Wait(fd, POLLIN)) {
      if (read(fd, buffer, sizeof buffer) <= 0) return;
    }
  }

  Dialect dialect_;
  std::string answer_;
  UniqueFd listener_;
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  std::atomic<int> answered_{0};
  mutable std::mutex mutex_;
  std::string last_request_;
  std::thread thread_;
};

// One scrape of the socket directories' interfaces at the fixed time kNow.
class Scrape {
 public:
  Scrape() : wireguard_dir_(temp_.Path("wireguard")), amneziawg_dir_(temp_.Path("amneziawg")) {
    std::filesystem::create_directory(wireguard_dir_);
    std::filesystem::create_directory(amneziawg_dir_);
  }

  const std::string& wireguard_dir() const { return wireguard_dir_; }
  const std::string& amneziawg_dir() const { return amneziawg_dir_; }

  std::string Text() {
    HostSource source({.read_userspace = true,
                       .read_kernel = false,
                       .socket_directories = {wireguard_dir_, amneziawg_dir_},
                       .host = {}});
    ConfigStore store(std::nullopt);
    Collector collector(
        store, source,
        [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kNow)); },
        BuildInfo{"test", "test"});
    return collector.CollectText();
  }

 private:
  TempDir temp_;
  std::string wireguard_dir_;
  std::string amneziawg_dir_;
};

std::string PeerSeries(const std::string& family, const std::string& interface,
                       const char* public_key, const std::string& value) {
  return family + "{interface=\"" + interface + "\",public_key=\"" + public_key + "\",name=\"\"} " +
         value + "\n";
}

void ExpectThreePeers(const std::string& text, const std::string& interface) {
  const std::string ts = "wireguard_peer_last_handshake_timestamp_seconds";
  const std::string age = "wireguard_peer_last_handshake_age_seconds";
  const std::string online = "wireguard_peer_online";
  EXPECT_THAT(text, HasSubstr(PeerSeries(ts, interface, kPeer5s, "1799999994.75")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(age, interface, kPeer5s, "5.25")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(online, interface, kPeer5s, "1")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(ts, interface, kPeer300s, "1799999700")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(age, interface, kPeer300s, "300")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(online, interface, kPeer300s, "0")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(ts, interface, kPeerNever, "0")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(age, interface, kPeerNever, "+Inf")));
  EXPECT_THAT(text, HasSubstr(PeerSeries(online, interface, kPeerNever, "0")));
  EXPECT_THAT(text,
              HasSubstr("wireguard_interface_peers_online{interface=\"" + interface + "\"} 1\n"));
}

TEST(UapiStandIns, BoringtunPeersHaveTheirRealAgeThroughTheWholeScrape) {
  Scrape scrape;
  StandInServer boringtun(scrape.wireguard_dir() + "/utun7.sock", Dialect::kBoringtun,
                          ReadFixture("uapi/boringtun_three_peers.txt"));
  const std::string text = scrape.Text();
  EXPECT_EQ(boringtun.answered(), 1);
  EXPECT_EQ(boringtun.last_request(), "get=1\n\n");
  ExpectThreePeers(text, "utun7");
  EXPECT_THAT(text, HasSubstr("wireguard_interface_info{interface=\"utun7\",public_key=\"" +
                              std::string(kOwnKey) +
                              "\",listen_port=\"51820\",implementation=\"userspace\","
                              "protocol=\"wireguard\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("wireguard_peer_receive_bytes_total{interface=\"utun7\",public_key=\"" +
                        std::string(kPeer5s) + "\",name=\"\"} 1184\n"));
}

TEST(UapiStandIns, WireguardGoAnswerOfTheSameStateGivesTheSameValues) {
  Scrape scrape;
  StandInServer go(scrape.wireguard_dir() + "/wg3.sock", Dialect::kWireguardGo,
                   WireguardGoEquivalent());
  const std::string text = scrape.Text();
  EXPECT_EQ(go.answered(), 1);
  ExpectThreePeers(text, "wg3");
  EXPECT_THAT(text, HasSubstr("listen_port=\"51820\",implementation=\"userspace\","
                              "protocol=\"wireguard\"} 1\n"));
}

TEST(UapiStandIns, AmneziawgGoSocketsAreReadFromTheirOwnDirectory) {
  Scrape scrape;
  StandInServer awg(scrape.amneziawg_dir() + "/awg0.sock", Dialect::kWireguardGo,
                    ReadFixture("uapi/amneziawg_go_two_peers.txt"));
  // Every obfuscation setting off: the directory still tells.
  StandInServer plain(scrape.amneziawg_dir() + "/awg1.sock", Dialect::kWireguardGo,
                      ReadFixture("uapi/handshaken_initiator.txt"));
  StandInServer go(scrape.wireguard_dir() + "/wg0.sock", Dialect::kWireguardGo,
                   ReadFixture("uapi/handshaken_initiator.txt"));
  const std::string text = scrape.Text();
  EXPECT_THAT(text, HasSubstr("wireguard_interface_info{interface=\"awg0\",public_key=\""));
  EXPECT_THAT(text, HasSubstr("implementation=\"userspace\",protocol=\"amneziawg\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wireguard_interface_up{interface=\"awg1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wireguard_interface_up{interface=\"wg0\"} 1\n"));
  std::size_t amnezia_lines = 0;
  for (std::size_t at = 0; (at = text.find("protocol=\"amneziawg\"", at)) != std::string::npos;
       ++at) {
    ++amnezia_lines;
  }
  EXPECT_EQ(amnezia_lines, 2u);  // awg0 and awg1, not wg0
  EXPECT_THAT(text, HasSubstr("wireguard_peer_persistent_keepalive_interval_seconds{interface="
                              "\"awg0\",public_key=\"" +
                              std::string(kAwgPeer1) + "\",name=\"\"} 30\n"));
  // The header protection key is a secret: it is never shown, in any encoding.
  EXPECT_THAT(text, Not(HasSubstr("9a5999b461e900eb")));
  EXPECT_THAT(text, Not(HasSubstr("mlmZtGHpAOsI8x8/")));
}

TEST(UapiStandIns, ANameInTwoDirectoriesIsReadFromTheFirst) {
  Scrape scrape;
  StandInServer go(scrape.wireguard_dir() + "/wg0.sock", Dialect::kWireguardGo,
                   ReadFixture("uapi/handshaken_initiator.txt"));
  StandInServer awg(scrape.amneziawg_dir() + "/wg0.sock", Dialect::kWireguardGo,
                    ReadFixture("uapi/amneziawg_go_two_peers.txt"));
  const std::string text = scrape.Text();
  EXPECT_EQ(go.answered(), 1);
  EXPECT_EQ(awg.answered(), 0);
  EXPECT_THAT(text, HasSubstr("protocol=\"wireguard\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("protocol=\"amneziawg\"")));
}

TEST(UserspaceSourceDirectories, ProtocolOfDirectory) {
  EXPECT_EQ(UserspaceSource::ProtocolOfDirectory("/var/run/amneziawg"), Protocol::kAmneziaWg);
  EXPECT_EQ(UserspaceSource::ProtocolOfDirectory("/run/amneziawg/"), Protocol::kAmneziaWg);
  EXPECT_EQ(UserspaceSource::ProtocolOfDirectory("/var/run/wireguard"), Protocol::kWireGuard);
  EXPECT_EQ(UserspaceSource::ProtocolOfDirectory("/srv/amneziawg-sockets"), Protocol::kWireGuard);
  EXPECT_EQ(UserspaceSource::DefaultSocketDirectories(),
            (std::vector<std::string>{"/var/run/wireguard", "/var/run/amneziawg"}));
}

}  // namespace
}  // namespace wgx
