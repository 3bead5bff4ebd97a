// UserspaceSource against fake UAPI servers running in this process: good
// ones and every kind of faulty one, read together in one Read() call.
#include "exporter/wireguard/userspace_source.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "exporter/wireguard/uapi_parser.h"
#include "exporter/wireguard/unique_fd.h"
#include "tests/support/fixture.h"
#include "tests/support/temp_dir.h"

namespace wgx {
namespace {

using ::testing::StartsWith;
using ::wgx::testing::ReadFixture;
using ::wgx::testing::TempDir;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

UniqueFd BindUnixSocket(const std::string& path) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid()) << std::strerror(errno);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  EXPECT_LT(path.size(), sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), std::min(path.size() + 1, sizeof address.sun_path));
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address), 0)
      << path << ": " << std::strerror(errno);
  return fd;
}

enum class Behaviour {
  kAnswer,          // reads get=1, writes the answer, keeps the connection open
  kTrickle,         // the same, a few bytes at a time
  kSilent,          // reads get=1 and never answers
  kEndless,         // answers one endless line
  kCloseMidAnswer,  // writes half the answer and hangs up
};

struct ServerOptions {
  ServerOptions(Behaviour behaviour, std::string answer = "", int backlog = 16,
                milliseconds accept_delay = milliseconds(0))
      : behaviour(behaviour),
        answer(std::move(answer)),
        backlog(backlog),
        accept_delay(accept_delay) {}

  Behaviour behaviour;
  std::string answer;
  int backlog;
  milliseconds accept_delay;  // before the first accept()
};

// One fake UAPI socket served by its own thread. The thread only makes system
// calls and never throws; it stops when the test object goes away.
class FakeUapiServer {
 public:
  FakeUapiServer(const std::string& directory, const std::string& name, ServerOptions options)
      : options_(std::move(options)) {
    listener_ = BindUnixSocket(directory + "/" + name + ".sock");
    EXPECT_EQ(listen(listener_.get(), options_.backlog), 0);
    int pipe_fds[2];
    EXPECT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    stop_read_.reset(pipe_fds[0]);
    stop_write_.reset(pipe_fds[1]);
    thread_ = std::thread([this] { Serve(); });
  }
  FakeUapiServer(const FakeUapiServer&) = delete;
  FakeUapiServer& operator=(const FakeUapiServer&) = delete;
  ~FakeUapiServer() {
    const char byte = 'x';
    EXPECT_EQ(write(stop_write_.get(), &byte, 1), 1);
    thread_.join();
  }

  int requests_seen() const { return requests_seen_.load(); }

 private:
  // Waits until `fd` has `events` or the test stops the server.
  bool Wait(int fd, short events, int timeout_ms = -1) {
    pollfd fds[2] = {{fd, events, 0}, {stop_read_.get(), POLLIN, 0}};
    const int ready = poll(fds, 2, timeout_ms);
    return ready > 0 && fds[1].revents == 0;
  }

  void Serve() {
    if (options_.accept_delay.count() > 0) {
      pollfd fd = {stop_read_.get(), POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(options_.accept_delay.count())) != 0) return;
    }
    while (Wait(listener_.get(), POLLIN)) {
      UniqueFd client(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) continue;
      Handle(client.get());
    }
  }

  bool ReadRequest(int fd) {
    std::string request;
    char buffer[64];
    while (request.find("\n\n") == std::string::npos) {
      if (!Wait(fd, POLLIN)) return false;
      const ssize_t got = read(fd, buffer, sizeof buffer);
      if (got <= 0) return false;
      request.append(buffer, static_cast<std::size_t>(got));
    }
    EXPECT_EQ(request, "get=1\n\n");
    ++requests_seen_;
    return true;
  }

  bool WriteAll(int fd, std::string_view data) {
    while (!data.empty()) {
      if (!Wait(fd, POLLOUT)) return false;
      const ssize_t sent = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // Like wireguard-go, keep the connection until the client hangs up.
  void WaitForHangUp(int fd) {
    char buffer[64];
    while (Wait(fd, POLLIN)) {
      if (read(fd, buffer, sizeof buffer) <= 0) return;
    }
  }

  void Handle(int fd) {
    if (!ReadRequest(fd)) return;
    const std::string_view answer = options_.answer;
    switch (options_.behaviour) {
      case Behaviour::kAnswer:
        if (WriteAll(fd, answer)) WaitForHangUp(fd);
        return;
      case Behaviour::kTrickle:
        for (std::size_t at = 0; at < answer.size(); at += 3) {
          if (!WriteAll(fd, answer.substr(at, 3))) return;
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        WaitForHangUp(fd);
        return;
      case Behaviour::kSilent:
        WaitForHangUp(fd);
        return;
      case Behaviour::kEndless: {
        const std::string chunk(64 * 1024, 'a');
        while (WriteAll(fd, chunk)) {
        }
        return;
      }
      case Behaviour::kCloseMidAnswer:
        WriteAll(fd, answer.substr(0, answer.size() / 2));
        return;
    }
  }

  ServerOptions options_;
  UniqueFd listener_;
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  std::atomic<int> requests_seen_{0};
  std::thread thread_;
};

ReadRequest Request(const std::string& name, milliseconds timeout) {
  ReadRequest request;
  request.interface.name = name;
  request.interface.implementation = Implementation::kUserspace;
  request.timeout = timeout;
  return request;
}

Device Parsed(const std::string& answer, const std::string& name) {
  UapiParseResult parsed = ParseUapiGet(answer, name);
  EXPECT_TRUE(parsed.device.has_value()) << parsed.error;
  return parsed.device.value_or(Device{});
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Finished {
  int status = -1;  // as waitpid() reports it
  std::string output;
};

// Runs `args` to its end and collects its standard output. posix_spawn, unlike
// fork(), runs no code of this process in the child before the exec.
Finished RunToCompletion(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  Finished finished;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return finished;
  }
  UniqueFd from_child(pipe_fds[0]);
  UniqueFd to_parent(pipe_fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_parent.get(), STDOUT_FILENO);
  pid_t child = -1;
  const int error = posix_spawn(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  to_parent.reset();
  if (error != 0) {
    ADD_FAILURE() << "posix_spawn " << args[0] << ": " << std::strerror(error);
    return finished;
  }
  char buffer[512];
  for (ssize_t n; (n = read(from_child.get(), buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "reading from " << args[0] << ": " << std::strerror(errno);
      break;
    }
    finished.output.append(buffer, static_cast<std::size_t>(n));
  }
  while (waitpid(child, &finished.status, 0) < 0 && errno == EINTR) {
  }
  return finished;
}

// The heart of it: one Read() with a good interface among every kind of
// broken one. Each fails with its own reason, the good one still succeeds,
// and nothing holds the call past the deadline.
TEST(UserspaceSource, EveryFaultFailsAloneInOneRead) {
  TempDir dir;
  const std::string good_answer = ReadFixture("uapi/many_peers.txt");
  constexpr std::size_t kCap = 1 << 20;
  FakeUapiServer good(dir.path(), "good", {Behaviour::kAnswer, good_answer});
  FakeUapiServer silent(dir.path(), "silent", {Behaviour::kSilent});
  FakeUapiServer garbage(dir.path(), "garbage", {Behaviour::kAnswer, "this is not uapi\n\n"});
  FakeUapiServer endless(dir.path(), "endless", {Behaviour::kEndless});
  FakeUapiServer half(dir.path(), "half", {Behaviour::kCloseMidAnswer, good_answer});
  FakeUapiServer failing(dir.path(), "failing", {Behaviour::kAnswer, "errno=13\n\n"});
  // A socket file nobody listens on any more.
  BindUnixSocket(dir.path() + "/refused.sock").reset();

  const milliseconds timeout(1000);
  const std::vector<ReadRequest> requests = {
      Request("silent", timeout),  Request("garbage", timeout), Request("good", timeout),
      Request("endless", timeout), Request("half", timeout),    Request("refused", timeout),
      Request("missing", timeout), Request("failing", timeout),
  };
  UserspaceSource source(dir.path(), kCap);
  const Clock::time_point start = Clock::now();
  const std::vector<ReadResult> results = source.Read(requests);
  const double elapsed = SecondsSince(start);

  ASSERT_EQ(results.size(), requests.size());
  EXPECT_EQ(results[0].error, "timed out after 1000 ms waiting for the answer");
  EXPECT_EQ(results[1].error, "parse error at line 1: expected key=value");
  EXPECT_EQ(results[2].error, "");
  ASSERT_TRUE(results[2].device.has_value());
  EXPECT_EQ(*results[2].device, Parsed(good_answer, "good"));
  EXPECT_EQ(results[2].device->peers.size(), 40u);
  EXPECT_EQ(results[3].error, "answer exceeds 1048576 bytes");
  EXPECT_EQ(results[4].error, "connection closed before the answer ended");
  EXPECT_EQ(results[5].error, "connect: Connection refused");
  EXPECT_EQ(results[6].error, "connect: No such file or directory");
  EXPECT_EQ(results[7].error, "the implementation answered errno=13 (Permission denied)");
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i != 2) {
      EXPECT_FALSE(results[i].device.has_value()) << i;
    }
    EXPECT_GT(results[i].duration_seconds, 0.0) << i;
    EXPECT_LE(results[i].duration_seconds, elapsed) << i;
  }
  // The silent socket was given its full time, and nothing more than that.
  EXPECT_GE(results[0].duration_seconds, 1.0);
  EXPECT_LT(elapsed, 1.0 + 1.0);
  EXPECT_EQ(good.requests_seen(), 1);
  EXPECT_EQ(silent.requests_seen(), 1);
}

TEST(UserspaceSource, ManyHungSocketsCostTheSlowestNotTheSum) {
  TempDir dir;
  std::vector<std::unique_ptr<FakeUapiServer>> servers;
  std::vector<ReadRequest> requests;
  const milliseconds timeout(400);
  for (int i = 0; i < 12; ++i) {
    const std::string name = "hung" + std::to_string(i);
    servers.push_back(
        std::make_unique<FakeUapiServer>(dir.path(), name, ServerOptions{Behaviour::kSilent}));
    requests.push_back(Request(name, timeout));
  }
  const std::string answer = ReadFixture("uapi/handshaken_initiator.txt");
  FakeUapiServer good(dir.path(), "good", {Behaviour::kAnswer, answer});
  requests.push_back(Request("good", timeout));

  const Clock::time_point start = Clock::now();
  const std::vector<ReadResult> results = UserspaceSource(dir.path()).Read(requests);
  const double elapsed = SecondsSince(start);

  ASSERT_EQ(results.size(), 13u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(results[i].error, "timed out after 400 ms waiting for the answer");
  }
  ASSERT_TRUE(results[12].device.has_value()) << results[12].error;
  EXPECT_EQ(*results[12].device, Parsed(answer, "good"));
  // Twelve sequential timeouts would take 4.8 s.
  EXPECT_LT(elapsed, 0.4 + 1.0);
}

TEST(UserspaceSource, EachRequestHasItsOwnDeadline) {
  TempDir dir;
  FakeUapiServer quick(dir.path(), "quick", {Behaviour::kSilent});
  FakeUapiServer patient(dir.path(), "patient", {Behaviour::kSilent});
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path())
          .Read({Request("patient", milliseconds(1200)), Request("quick", milliseconds(200))});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].error, "timed out after 1200 ms waiting for the answer");
  EXPECT_EQ(results[1].error, "timed out after 200 ms waiting for the answer");
  EXPECT_GE(results[1].duration_seconds, 0.2);
  EXPECT_GE(results[0].duration_seconds, 1.2);
  EXPECT_LT(results[1].duration_seconds, results[0].duration_seconds);
}

TEST(UserspaceSource, AnswerArrivingInTinyPiecesIsReassembled) {
  TempDir dir;
  const std::string answer = ReadFixture("uapi/fresh_peer.txt");
  FakeUapiServer trickle(dir.path(), "trickle", {Behaviour::kTrickle, answer});
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path()).Read({Request("trickle", milliseconds(5000))});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].device.has_value()) << results[0].error;
  EXPECT_EQ(*results[0].device, Parsed(answer, "trickle"));
}

TEST(UserspaceSource, TheSameSocketTwiceInOneRead) {
  TempDir dir;
  const std::string answer = ReadFixture("uapi/handshaken_responder.txt");
  FakeUapiServer server(dir.path(), "wg0", {Behaviour::kAnswer, answer});
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path())
          .Read({Request("wg0", milliseconds(2000)), Request("wg0", milliseconds(2000))});
  ASSERT_EQ(results.size(), 2u);
  for (const ReadResult& result : results) {
    ASSERT_TRUE(result.device.has_value()) << result.error;
    EXPECT_EQ(*result.device, Parsed(answer, "wg0"));
  }
  EXPECT_EQ(server.requests_seen(), 2);
}

TEST(UserspaceSource, HugeTimeoutStillReads) {
  TempDir dir;
  const std::string answer = ReadFixture("uapi/handshaken_responder.txt");
  FakeUapiServer server(dir.path(), "wg0", {Behaviour::kAnswer, answer});
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path()).Read({Request("wg0", milliseconds::max())});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].device.has_value()) << results[0].error;
  EXPECT_EQ(*results[0].device, Parsed(answer, "wg0"));
}

// A listener whose backlog is full refuses non-blocking AF_UNIX connects with
// EAGAIN; those are retried until the server accepts or the deadline passes.
TEST(UserspaceSource, FullBacklogIsRetriedUntilAccepted) {
  TempDir dir;
  const std::string answer = ReadFixture("uapi/handshaken_initiator.txt");
  FakeUapiServer slow_to_accept(dir.path(), "busy",
                                {Behaviour::kAnswer, answer, 0, milliseconds(300)});
  std::vector<ReadRequest> requests(4, Request("busy", milliseconds(3000)));
  const std::vector<ReadResult> results = UserspaceSource(dir.path()).Read(requests);
  ASSERT_EQ(results.size(), 4u);
  for (const ReadResult& result : results) {
    ASSERT_TRUE(result.device.has_value()) << result.error;
    EXPECT_EQ(*result.device, Parsed(answer, "busy"));
    EXPECT_GE(result.duration_seconds, 0.3);
  }
}

TEST(UserspaceSource, FullBacklogTimesOutWaitingToConnect) {
  TempDir dir;
  FakeUapiServer never_accepts(dir.path(), "busy",
                               {Behaviour::kAnswer, "errno=0\n\n", 0, milliseconds(60000)});
  std::vector<ReadRequest> requests(3, Request("busy", milliseconds(300)));
  const std::vector<ReadResult> results = UserspaceSource(dir.path()).Read(requests);
  ASSERT_EQ(results.size(), 3u);
  // The first connect sits in the backlog; the others cannot even get there.
  EXPECT_EQ(results[0].error, "timed out after 300 ms waiting for the answer");
  EXPECT_EQ(results[1].error, "timed out after 300 ms waiting to connect");
  EXPECT_EQ(results[2].error, "timed out after 300 ms waiting to connect");
}

TEST(UserspaceSource, AnswerSizeCapIsExact) {
  TempDir dir;
  const std::string answer = ReadFixture("uapi/many_peers.txt");
  FakeUapiServer server(dir.path(), "wg0", {Behaviour::kAnswer, answer});
  const auto at_cap =
      UserspaceSource(dir.path(), answer.size()).Read({Request("wg0", milliseconds(2000))});
  ASSERT_EQ(at_cap.size(), 1u);
  EXPECT_TRUE(at_cap[0].device.has_value()) << at_cap[0].error;
  const auto over_cap =
      UserspaceSource(dir.path(), answer.size() - 1).Read({Request("wg0", milliseconds(2000))});
  ASSERT_EQ(over_cap.size(), 1u);
  EXPECT_EQ(over_cap[0].error, "answer exceeds " + std::to_string(answer.size() - 1) + " bytes");
}

TEST(UserspaceSource, NamesThatLeaveTheDirectoryAreRefused) {
  TempDir dir;
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path() + "/sub")
          .Read({Request("../x", milliseconds(100)), Request("a/b", milliseconds(100)),
                 Request("", milliseconds(100)), Request("..", milliseconds(100)),
                 Request(std::string("a\0b", 3), milliseconds(100))});
  ASSERT_EQ(results.size(), 5u);
  for (const ReadResult& result : results) {
    EXPECT_EQ(result.error, "invalid interface name");
    EXPECT_FALSE(result.device.has_value());
  }
}

TEST(UserspaceSource, OverlongSocketPath) {
  TempDir dir;
  const std::vector<ReadResult> results =
      UserspaceSource(dir.path()).Read({Request(std::string(120, 'w'), milliseconds(100))});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0].error, StartsWith("socket path too long: " + dir.path() + "/www"));
}

TEST(UserspaceSource, NothingRequestedNothingRead) {
  EXPECT_TRUE(UserspaceSource("/nonexistent").Read({}).empty());
}

TEST(UserspaceSource, ListFindsSocketsOnly) {
  TempDir dir;
  const UniqueFd b = BindUnixSocket(dir.path() + "/wgb.sock");
  const UniqueFd a = BindUnixSocket(dir.path() + "/wga.sock");
  const UniqueFd not_named_sock = BindUnixSocket(dir.path() + "/wgc.socket");
  const UniqueFd no_stem = BindUnixSocket(dir.path() + "/.sock");
  std::ofstream(dir.path() + "/regular.sock") << "not a socket";
  std::filesystem::create_directory(dir.path() + "/directory.sock");
  std::filesystem::create_symlink(dir.path() + "/wga.sock", dir.path() + "/linked.sock");

  std::vector<std::string> errors;
  const std::vector<InterfaceRef> interfaces = UserspaceSource(dir.path()).List(errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(interfaces.size(), 3u);
  EXPECT_EQ(interfaces[0].name, "linked");
  EXPECT_EQ(interfaces[1].name, "wga");
  EXPECT_EQ(interfaces[2].name, "wgb");
  for (const InterfaceRef& ref : interfaces) {
    EXPECT_EQ(ref.implementation, Implementation::kUserspace);
  }
}

// wireguard-go makes its sockets root-only (srwx------): an exporter running
// as another user without CAP_DAC_OVERRIDE is refused, and says so, while a
// socket it may open in the same read still answers.
TEST(UserspaceSource, SocketTheReaderMayNotOpen) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to another user";
  TempDir dir;
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  const std::string good_answer = ReadFixture("uapi/many_peers.txt");
  FakeUapiServer locked(dir.path(), "locked", {Behaviour::kAnswer, good_answer});
  FakeUapiServer open(dir.path(), "open", {Behaviour::kAnswer, good_answer});
  ASSERT_EQ(chmod((dir.path() + "/locked.sock").c_str(), 0700), 0);
  ASSERT_EQ(chmod((dir.path() + "/open.sock").c_str(), 0777), 0);

  // The reader is a process of its own rather than a fork of this one: the
  // fake servers run threads, and a forked copy that allocates may wait
  // forever on a lock one of them held at the fork.
  const Finished reader =
      RunToCompletion({WGX_USERSPACE_READ_UNPRIVILEGED, dir.path(), "locked", "open"});
  ASSERT_TRUE(WIFEXITED(reader.status)) << reader.status;
  ASSERT_EQ(WEXITSTATUS(reader.status), 0);
  EXPECT_EQ(reader.output, "connect: Permission denied\n40\n");
}

TEST(UserspaceSource, MissingDirectoryMeansNoInterfaces) {
  TempDir dir;
  std::vector<std::string> errors;
  EXPECT_TRUE(UserspaceSource(dir.path() + "/absent").List(errors).empty());
  EXPECT_TRUE(errors.empty());
}

TEST(UserspaceSource, UnlistableDirectoryIsReported) {
  TempDir dir;
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  std::vector<std::string> errors;
  EXPECT_TRUE(UserspaceSource(file).List(errors).empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], StartsWith("listing " + file + ": "));
}

}  // namespace
}  // namespace wgx
