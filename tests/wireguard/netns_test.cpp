// Namespaces of a real host: named ones made with ip(8), ones held only by a
// process, entering them from a thread, and socket directories resolved
// inside another process's root.
#include "exporter/wireguard/netns.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace wgx {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::Not;

const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(NameFromCgroup, DockerV1) {
  EXPECT_EQ(NameFromCgroup("12:pids:/docker/" + kId + "\n0::/docker/" + kId + "\n"),
            "0123456789ab");
}

TEST(NameFromCgroup, DockerUnderSystemd) {
  EXPECT_EQ(NameFromCgroup("0::/system.slice/docker-" + kId + ".scope\n"), "0123456789ab");
}

TEST(NameFromCgroup, Podman) {
  EXPECT_EQ(NameFromCgroup("0::/machine.slice/libpod-" + kId + ".scope/container\n"),
            "0123456789ab");
}

TEST(NameFromCgroup, ContainerdAndCrio) {
  EXPECT_EQ(NameFromCgroup("0::/system.slice/cri-containerd-" + kId + ".scope\n"), "0123456789ab");
  EXPECT_EQ(NameFromCgroup("0::/kubepods.slice/kubepods-besteffort.slice/crio-" + kId + ".scope\n"),
            "0123456789ab");
}

TEST(NameFromCgroup, SystemdUnitWhenNoContainer) {
  EXPECT_EQ(NameFromCgroup("0::/system.slice/wg-quick@wg0.service\n"), "wg-quick@wg0.service");
  EXPECT_EQ(NameFromCgroup("1:name=systemd:/user.slice/user-0.slice/session-3.scope\n"),
            "session-3.scope");
}

TEST(NameFromCgroup, NothingToGoBy) {
  EXPECT_EQ(NameFromCgroup("0::/\n"), "");
  EXPECT_EQ(NameFromCgroup("0::/init.scope\n"), "");
  EXPECT_EQ(NameFromCgroup(""), "");
  EXPECT_EQ(NameFromCgroup("garbage without colons"), "");
  // A hex run that is not 64 long is no container ID.
  EXPECT_EQ(NameFromCgroup("0::/docker/0123456789abcdef\n"), "");
}

std::uint64_t InodeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool Shell(const std::string& command) { return std::system(command.c_str()) == 0; }

// A process started with posix_spawn (safe from a threaded test), killed and
// reaped when the test ends.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) pid_ = -1;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Waits until `path` names a namespace other than ours (the child is in).
bool WaitForOtherNamespace(const std::string& path, const char* kind) {
  const std::uint64_t own = InodeOf(std::string("/proc/self/ns/") + kind);
  for (int i = 0; i < 500; ++i) {
    const std::uint64_t inode = InodeOf(path);
    if (inode != 0 && inode != own) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class NamespaceFinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make network namespaces";
    a_ = "wgxt" + std::to_string(::getpid()) + "a";
    b_ = "wgxt" + std::to_string(::getpid()) + "b";
    ASSERT_TRUE(Shell("ip netns add " + a_));
    ASSERT_TRUE(Shell("ip netns add " + b_));
  }
  void TearDown() override {
    if (!a_.empty()) (void)Shell("ip netns del " + a_ + " 2>/dev/null");
    if (!b_.empty()) (void)Shell("ip netns del " + b_ + " 2>/dev/null");
  }
  const NetworkNamespace* Named(const std::vector<NetworkNamespace>& found,
                                const std::string& name) {
    for (const auto& ns : found) {
      if (ns.name == name) return &ns;
    }
    return nullptr;
  }
  // The namespace of `path` among those `processes` discovery finds.
  const NetworkNamespace* HeldAt(const std::vector<NetworkNamespace>& found,
                                 const std::string& path) {
    for (const auto& ns : found) {
      if (ns.inode == InodeOf(path)) return &ns;
    }
    return nullptr;
  }
  std::vector<NetworkNamespace> FindByProcesses() {
    NamespaceSelection selection;
    selection.processes = true;
    return finder_.Find(selection, errors_);
  }

  std::string a_;
  std::string b_;
  NamespaceFinder finder_;
  std::vector<std::string> errors_;
};

TEST_F(NamespaceFinderTest, OwnOnlyByDefault) {
  const auto found = finder_.Find(NamespaceSelection{}, errors_);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].own);
  EXPECT_EQ(found[0].name, "");
  EXPECT_EQ(found[0].inode, InodeOf("/proc/self/ns/net"));
  EXPECT_EQ(found[0].handle, nullptr);
}

TEST_F(NamespaceFinderTest, NamedNamespacesByFileName) {
  NamespaceSelection selection;
  selection.named = true;
  const auto found = finder_.Find(selection, errors_);
  EXPECT_TRUE(found[0].own);
  const NetworkNamespace* a = Named(found, a_);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->inode, InodeOf("/run/netns/" + a_));
  ASSERT_NE(a->handle, nullptr);
  EXPECT_TRUE(a->handle->fd.valid());
  EXPECT_TRUE(a->uses_own_root);
  EXPECT_TRUE(a->error.empty());
  EXPECT_NE(Named(found, b_), nullptr);
}

TEST_F(NamespaceFinderTest, ExcludeFiltersDiscoveredNames) {
  NamespaceSelection selection;
  selection.named = true;
  selection.exclude = {"*b"};
  const auto found = finder_.Find(selection, errors_);
  EXPECT_NE(Named(found, a_), nullptr);
  EXPECT_EQ(Named(found, b_), nullptr);
}

TEST_F(NamespaceFinderTest, PathEntryWinsAndIsNeverExcluded) {
  NamespaceSelection selection;
  selection.named = true;
  selection.exclude = {"*"};
  selection.paths = {{"vpn-a", "/run/netns/" + a_}};
  const auto found = finder_.Find(selection, errors_);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].name, "vpn-a");
  EXPECT_EQ(found[1].inode, InodeOf("/run/netns/" + a_));
}

TEST_F(NamespaceFinderTest, MissingPathIsReportedNotFatal) {
  NamespaceSelection selection;
  selection.paths = {{"gone", "/run/netns/" + a_ + "-missing"}};
  const auto found = finder_.Find(selection, errors_);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[1].name, "gone");
  EXPECT_EQ(found[1].handle, nullptr);
  EXPECT_THAT(found[1].error, ::testing::HasSubstr("the namespace is gone"));
}

TEST_F(NamespaceFinderTest, ProcessHeldNamespaceNamedByItsLowestPid) {
  Child holder({"unshare", "--net", "sleep", "60"});
  ASSERT_GT(holder.pid(), 0);
  const std::string ns_path = "/proc/" + std::to_string(holder.pid()) + "/ns/net";
  ASSERT_TRUE(WaitForOtherNamespace(ns_path, "net"));
  const auto found = FindByProcesses();
  const NetworkNamespace* held = HeldAt(found, ns_path);
  ASSERT_NE(held, nullptr);
  // This sandbox's cgroups name no container and no unit.
  const std::string cgroup_name = [&] {
    std::ifstream in("/proc/" + std::to_string(holder.pid()) + "/cgroup");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return NameFromCgroup(text);
  }();
  EXPECT_EQ(held->name, cgroup_name.empty() ? "pid-" + std::to_string(holder.pid()) : cgroup_name);
  // It shares our mount namespace: its sockets are in our own root.
  EXPECT_TRUE(held->uses_own_root);
  EXPECT_TRUE(held->root_pids.empty());
  // The named namespaces nobody holds are not processes' business.
  EXPECT_EQ(Named(found, a_), nullptr);
}

TEST_F(NamespaceFinderTest, ProcessInOwnMountNamespaceGivesItsRoot) {
  Child holder({"unshare", "--net", "--mount", "sleep", "60"});
  ASSERT_GT(holder.pid(), 0);
  const std::string ns_path = "/proc/" + std::to_string(holder.pid()) + "/ns/net";
  ASSERT_TRUE(WaitForOtherNamespace(ns_path, "net"));
  ASSERT_TRUE(WaitForOtherNamespace("/proc/" + std::to_string(holder.pid()) + "/ns/mnt", "mnt"));
  const auto found = FindByProcesses();
  const NetworkNamespace* held = HeldAt(found, ns_path);
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->uses_own_root);
  EXPECT_THAT(held->root_pids, ::testing::ElementsAre(holder.pid()));
}

TEST_F(NamespaceFinderTest, NamedNamespaceHeldByAProcessKeepsItsName) {
  Child holder({"ip", "netns", "exec", a_, "sleep", "60"});
  ASSERT_GT(holder.pid(), 0);
  const std::string ns_path = "/proc/" + std::to_string(holder.pid()) + "/ns/net";
  ASSERT_TRUE(WaitForOtherNamespace(ns_path, "net"));
  const auto found = FindByProcesses();
  const NetworkNamespace* a = Named(found, a_);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->inode, InodeOf("/run/netns/" + a_));
}

TEST_F(NamespaceFinderTest, NoDescriptorOutlivesTheFoundList) {
  const auto count_fds = [] {
    int n = 0;
    for (int fd = 0; fd < 4096; ++fd) {
      if (::fcntl(fd, F_GETFD) != -1) ++n;
    }
    return n;
  };
  const int before = count_fds();
  {
    NamespaceSelection selection;
    selection.named = true;
    const auto found = finder_.Find(selection, errors_);
    EXPECT_GE(count_fds(), before + 2);
  }
  EXPECT_EQ(count_fds(), before);
}

TEST_F(NamespaceFinderTest, TasksRunInsideTheirNamespaceAndTheCallerStays) {
  const UniqueFd a(::open(("/run/netns/" + a_).c_str(), O_RDONLY | O_CLOEXEC));
  const UniqueFd b(::open(("/run/netns/" + b_).c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(a.valid());
  ASSERT_TRUE(b.valid());
  std::uint64_t seen[3] = {};
  std::vector<NamespaceTask> tasks(3);
  tasks[0].work = [&] { seen[0] = InodeOf("/proc/thread-self/ns/net"); };
  tasks[1].ns_fd = a.get();
  tasks[1].work = [&] { seen[1] = InodeOf("/proc/thread-self/ns/net"); };
  tasks[2].ns_fd = b.get();
  tasks[2].work = [&] { seen[2] = InodeOf("/proc/thread-self/ns/net"); };
  RunConcurrently(tasks);
  for (const auto& task : tasks) EXPECT_EQ(task.error, "");
  EXPECT_EQ(seen[0], InodeOf("/proc/self/ns/net"));
  EXPECT_EQ(seen[1], InodeOf("/run/netns/" + a_));
  EXPECT_EQ(seen[2], InodeOf("/run/netns/" + b_));
  EXPECT_EQ(InodeOf("/proc/thread-self/ns/net"), InodeOf("/proc/self/ns/net"));
}

TEST_F(NamespaceFinderTest, ATaskThatCannotEnterSaysWhyAndDoesNotRun) {
  const UniqueFd not_a_namespace(::open("/proc/self/status", O_RDONLY | O_CLOEXEC));
  bool ran = false;
  std::vector<NamespaceTask> tasks(2);
  tasks[0].work = [] {};
  tasks[1].ns_fd = not_a_namespace.get();
  tasks[1].work = [&] { ran = true; };
  RunConcurrently(tasks);
  EXPECT_FALSE(ran);
  EXPECT_THAT(tasks[1].error, ::testing::HasSubstr("entering the namespace"));
}

// /var/run is a link to /run: resolved naively through /proc/PID/root it
// would land on the host's directory, not on what the process sees.
TEST(OpenDirectoryInRoot, ResolvesLinksInsideTheProcessRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a mount namespace";
  const std::string dir = "/run/wgxt-root-" + std::to_string(::getpid());
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  struct RemoveDir {
    const std::string& path;
    ~RemoveDir() { ::rmdir(path.c_str()); }
  } remove_dir{dir};
  const std::string script =
      "mount -t tmpfs tmpfs " + dir + " && touch " + dir + "/inside && exec sleep 60";
  Child holder({"unshare", "--mount", "--propagation", "private", "sh", "-c", script});
  ASSERT_GT(holder.pid(), 0);
  bool mounted = false;
  for (int i = 0; i < 500 && !mounted; ++i) {
    mounted =
        ::access(("/proc/" + std::to_string(holder.pid()) + "/root" + dir + "/inside").c_str(),
                 F_OK) == 0;
    if (!mounted) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string error;
  const std::string via_link = "/var/run/wgxt-root-" + std::to_string(::getpid());
  SocketDirectory found = OpenDirectoryInRoot("/proc", holder.pid(), via_link, error);
  EXPECT_EQ(error, "");
  ASSERT_TRUE(found.fd.valid());
  EXPECT_EQ(::faccessat(found.fd.get(), "inside", F_OK, 0), 0) << "not the process's view";
  EXPECT_EQ(::access((found.path + "/inside").c_str(), F_OK), 0) << found.path;
  // The host's directory of that name is empty.
  EXPECT_NE(::access((dir + "/inside").c_str(), F_OK), 0);
  // A directory that is not there is no error, just nothing.
  error.clear();
  SocketDirectory missing = OpenDirectoryInRoot("/proc", holder.pid(), "/no/such/dir", error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(missing.fd.valid());
}

}  // namespace
}  // namespace wgx
