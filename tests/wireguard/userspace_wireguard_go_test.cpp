// UserspaceSource against real wireguard-go: two interfaces in two network
// namespaces joined by a veth pair complete a real handshake, and both are
// read through their UAPI sockets in one Read() call.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "exporter/wireguard/key.h"
#include "exporter/wireguard/unique_fd.h"
#include "exporter/wireguard/userspace_source.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string directories = path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const std::string candidate = directories.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

// Everything argv[] and envp[] for execvpe need, built before fork() so the
// child only makes async-signal-safe calls.
struct ExecArgs {
  explicit ExecArgs(const std::vector<std::string>& args) : storage(args) {
    for (std::string& arg : storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
  }
  std::vector<std::string> storage;
  std::vector<char*> argv;
};

// Starts `args` with stdout and stderr going to `output_fd` (or /dev/null)
// and SIGTERM delivered to it should this test process die first, so no
// wireguard-go outlives a killed test run.
pid_t Spawn(const std::vector<std::string>& args, int output_fd) {
  ExecArgs exec(args);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);
  const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  const int out = output_fd >= 0 ? output_fd : null_fd;
  dup2(null_fd, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  execvp(exec.argv[0], exec.argv.data());
  _exit(127);
}

// Runs a command to completion; returns its exit status and combined output.
int RunCommand(const std::vector<std::string>& args, std::string* output = nullptr) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  const pid_t pid = Spawn(args, write_end.get());
  write_end.reset();
  if (pid < 0) return -1;
  std::string text;
  char buffer[4096];
  ssize_t got;
  while ((got = read(read_end.get(), buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<std::size_t>(got));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Key RandomPrivateKey() {
  std::random_device random;
  Key key;
  for (auto& byte : key.bytes) byte = static_cast<std::uint8_t>(random());
  return key;
}

// Two wireguard-go interfaces in two namespaces, torn down in the destructor
// whatever happened in between.
class WireguardGoPair {
 public:
  WireguardGoPair() {
    const std::string suffix = std::to_string(getpid() % 100000);
    names_[0] = "wgua" + suffix + "a";
    names_[1] = "wgua" + suffix + "b";
    namespaces_[0] = "wguans" + suffix + "a";
    namespaces_[1] = "wguans" + suffix + "b";
    veths_[0] = "wguv" + suffix + "a";
    veths_[1] = "wguv" + suffix + "b";
    private_keys_[0] = RandomPrivateKey();
    private_keys_[1] = RandomPrivateKey();
  }
  WireguardGoPair(const WireguardGoPair&) = delete;
  WireguardGoPair& operator=(const WireguardGoPair&) = delete;

  ~WireguardGoPair() {
    for (const pid_t pid : pids_) {
      if (pid <= 0) continue;
      kill(pid, SIGTERM);
      int status = 0;
      const Clock::time_point give_up = Clock::now() + std::chrono::seconds(5);
      while (waitpid(pid, &status, WNOHANG) == 0) {
        if (Clock::now() > give_up) {
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
          break;
        }
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    for (const std::string& name : names_) {
      std::error_code ignored;
      std::filesystem::remove(SocketPath(name), ignored);
    }
    // Deleting a namespace deletes the veth end inside it, and with it the
    // other end; the root-namespace delete covers a failure before the move.
    RunCommand({"ip", "link", "del", veths_[0]});
    for (const std::string& ns : namespaces_) RunCommand({"ip", "netns", "del", ns});
  }

  // Builds the pair; returns an empty string or what went wrong.
  std::string Start() {
    for (const std::string& ns : namespaces_) {
      if (std::string e = Must({"ip", "netns", "add", ns}); !e.empty()) return e;
    }
    const std::vector<std::vector<std::string>> network = {
        {"ip", "link", "add", veths_[0], "type", "veth", "peer", "name", veths_[1]},
        {"ip", "link", "set", veths_[0], "netns", namespaces_[0]},
        {"ip", "link", "set", veths_[1], "netns", namespaces_[1]},
        {"ip", "-n", namespaces_[0], "addr", "add", "10.99.0.1/24", "dev", veths_[0]},
        {"ip", "-n", namespaces_[1], "addr", "add", "10.99.0.2/24", "dev", veths_[1]},
        {"ip", "-n", namespaces_[0], "link", "set", veths_[0], "up"},
        {"ip", "-n", namespaces_[1], "link", "set", veths_[1], "up"},
    };
    for (const auto& command : network) {
      if (std::string e = Must(command); !e.empty()) return e;
    }
    setenv("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KERNELSPACE", "1", 1);
    for (int i = 0; i < 2; ++i) {
      // `ip netns exec` execs wireguard-go in place, so this is its own PID.
      pids_[i] =
          Spawn({"ip", "netns", "exec", namespaces_[i], "wireguard-go", "-f", names_[i]}, -1);
      if (pids_[i] < 0) return "fork failed";
    }
    for (const std::string& name : names_) {
      const Clock::time_point give_up = Clock::now() + std::chrono::seconds(15);
      while (!std::filesystem::exists(SocketPath(name))) {
        if (Clock::now() > give_up) return "wireguard-go did not create " + SocketPath(name);
        std::this_thread::sleep_for(milliseconds(20));
      }
    }
    std::string key_files[2];
    for (int i = 0; i < 2; ++i) {
      key_files[i] = key_directory_.Path(names_[i] + ".key");
      std::ofstream(key_files[i]) << private_keys_[i].ToBase64() << "\n";
      chmod(key_files[i].c_str(), 0600);
    }
    const std::vector<std::vector<std::string>> wireguard = {
        {"wg", "set", names_[0], "listen-port", "51820", "private-key", key_files[0], "peer",
         PublicKey(1).ToBase64(), "allowed-ips", "10.100.0.2/32,fd00:100::2/128", "endpoint",
         "10.99.0.2:51821", "persistent-keepalive", "1"},
        {"wg", "set", names_[1], "listen-port", "51821", "private-key", key_files[1], "peer",
         PublicKey(0).ToBase64(), "allowed-ips", "10.100.0.1/32", "endpoint", "10.99.0.1:51820"},
        {"ip", "-n", namespaces_[0], "link", "set", names_[0], "up"},
        {"ip", "-n", namespaces_[1], "link", "set", names_[1], "up"},
    };
    for (const auto& command : wireguard) {
      if (std::string e = Must(command); !e.empty()) return e;
    }
    return "";
  }

  const std::string& name(int i) const { return names_[i]; }
  Key PublicKey(int i) const { return PublicKeyFromPrivate(private_keys_[i]).value_or(Key{}); }

 private:
  static std::string SocketPath(const std::string& name) {
    return std::string(UserspaceSource::kDefaultSocketDirectory) + "/" + name + ".sock";
  }

  static std::string Must(const std::vector<std::string>& command) {
    std::string output;
    if (RunCommand(command, &output) == 0) return "";
    std::string text;
    for (const std::string& arg : command) text += arg + " ";
    return text + "failed: " + Trim(output);
  }

  std::string names_[2];
  std::string namespaces_[2];
  std::string veths_[2];
  Key private_keys_[2];
  pid_t pids_[2] = {-1, -1};
  ::wgx::testing::TempDir key_directory_;
};

class UserspaceWireguardGo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    for (const char* tool : {"wireguard-go", "wg", "ip"}) {
      if (!OnPath(tool)) GTEST_SKIP() << tool << " is not installed";
    }
    pair_ = std::make_unique<WireguardGoPair>();
    const std::string error = pair_->Start();
    ASSERT_EQ(error, "");
  }

  void TearDown() override { pair_.reset(); }

  std::unique_ptr<WireguardGoPair> pair_;
};

bool Handshaken(const ReadResult& result) {
  return result.device && result.device->peers.size() == 1 &&
         result.device->peers[0].last_handshake_seconds > 0 &&
         result.device->peers[0].receive_bytes > 0 && result.device->peers[0].transmit_bytes > 0;
}

TEST_F(UserspaceWireguardGo, ReadsAHandshakenPair) {
  UserspaceSource source;
  const std::vector<ReadRequest> requests = {
      {{pair_->name(0), Implementation::kUserspace}, milliseconds(2000)},
      {{pair_->name(1), Implementation::kUserspace}, milliseconds(2000)}};

  // The first handshake can miss (the responder's link may come up a moment
  // late), and wireguard-go retries it after 5 s.
  std::vector<ReadResult> results;
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(25);
  do {
    std::this_thread::sleep_for(milliseconds(200));
    results = source.Read(requests);
    ASSERT_EQ(results.size(), 2u);
    ASSERT_TRUE(results[0].device.has_value()) << results[0].error;
    ASSERT_TRUE(results[1].device.has_value()) << results[1].error;
  } while (!(Handshaken(results[0]) && Handshaken(results[1])) && Clock::now() < give_up);

  const std::int64_t now = std::time(nullptr);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(pair_->name(i));
    const Device& device = *results[i].device;
    ASSERT_TRUE(Handshaken(results[i])) << "no handshake within 25 s";
    EXPECT_EQ(device.name, pair_->name(i));
    EXPECT_EQ(device.implementation, Implementation::kUserspace);
    EXPECT_EQ(device.listen_port, 51820 + i);
    std::string shown;
    ASSERT_EQ(RunCommand({"wg", "show", pair_->name(i), "public-key"}, &shown), 0) << shown;
    ASSERT_TRUE(device.public_key.has_value());
    EXPECT_EQ(device.public_key->ToBase64(), Trim(shown));
    EXPECT_EQ(*device.public_key, pair_->PublicKey(i));

    const Peer& peer = device.peers[0];
    EXPECT_EQ(peer.public_key, pair_->PublicKey(1 - i));
    EXPECT_FALSE(peer.has_preshared_key);
    EXPECT_EQ(peer.endpoint, i == 0 ? "10.99.0.2:51821" : "10.99.0.1:51820");
    EXPECT_NEAR(static_cast<double>(peer.last_handshake_seconds), static_cast<double>(now), 60);
    EXPECT_GT(peer.receive_bytes, 0u);
    EXPECT_GT(peer.transmit_bytes, 0u);
    EXPECT_GT(results[i].duration_seconds, 0.0);
  }
  EXPECT_EQ(results[0].device->peers[0].persistent_keepalive_interval, 1);
  ASSERT_EQ(results[0].device->peers[0].allowed_ips.size(), 2u);
  EXPECT_EQ(results[0].device->peers[0].allowed_ips[0].ToString(), "10.100.0.2/32");
  EXPECT_EQ(results[0].device->peers[0].allowed_ips[1].ToString(), "fd00:100::2/128");

  std::vector<std::string> errors;
  const std::vector<InterfaceRef> listed = source.List(errors);
  EXPECT_TRUE(errors.empty());
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(std::find(listed.begin(), listed.end(),
                        InterfaceRef{pair_->name(i), Implementation::kUserspace}),
              listed.end())
        << pair_->name(i);
  }
}

}  // namespace
}  // namespace wgx
