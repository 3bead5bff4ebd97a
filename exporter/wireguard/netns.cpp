#include "exporter/wireguard/netns.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "exporter/wireguard/errno_text.h"

namespace wgx {
namespace {

struct Identity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const Identity&, const Identity&) = default;
  friend bool operator<(const Identity& a, const Identity& b) {
    return a.device != b.device ? a.device < b.device : a.inode < b.inode;
  }
};

bool StatIdentity(const std::string& path, Identity& out, int& error_number) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error_number = errno;
    return false;
  }
  out = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  return true;
}

// What the process scan learned about one network namespace.
struct Holders {
  pid_t lowest_pid = 0;
  // Lowest PID per mount namespace inode.
  std::map<std::uint64_t, pid_t> by_mount;
};

std::vector<pid_t> ListPids(const std::string& proc) {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir(proc.c_str());
  if (dir == nullptr) return pids;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): safe on a stream no other thread uses.
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    pid_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc() && end == name.data() + name.size() && pid > 0) pids.push_back(pid);
  }
  ::closedir(dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The last run of exactly 64 lowercase hex digits in `text`, or "".
std::string_view LastContainerId(std::string_view text) {
  std::string_view found;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!IsHex(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && IsHex(text[j])) ++j;
    if (j - i == 64) found = text.substr(i, 64);
    i = j;
  }
  return found;
}

bool Matches(const std::vector<std::string>& globs, const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
    return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
  });
}

enum class Origin { kPath, kNamed, kProcess };

struct Candidate {
  std::string name;
  Origin origin = Origin::kProcess;
  std::string open_path;  // what to open for this scrape
  Identity identity;
  std::string error;  // set when it cannot be read at all
};

}  // namespace

std::string NameFromCgroup(std::string_view cgroup) {
  constexpr std::string_view kEngines[] = {"docker", "libpod", "containerd", "crio", "kubepods"};
  std::vector<std::string_view> paths;
  for (std::size_t start = 0; start < cgroup.size();) {
    std::size_t end = cgroup.find('\n', start);
    if (end == std::string_view::npos) end = cgroup.size();
    const std::string_view line = cgroup.substr(start, end - start);
    start = end + 1;
    // hierarchy-ID:controller-list:path
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    paths.push_back(line.substr(second + 1));
  }
  for (std::string_view path : paths) {
    const bool engine = std::any_of(std::begin(kEngines), std::end(kEngines),
                                    [&](std::string_view e) { return path.find(e) != path.npos; });
    if (!engine) continue;
    const std::string_view id = LastContainerId(path);
    if (!id.empty()) return std::string(id.substr(0, 12));
  }
  for (std::string_view path : paths) {
    while (!path.empty()) {
      const std::size_t slash = path.rfind('/');
      const std::string_view component =
          slash == std::string_view::npos ? path : path.substr(slash + 1);
      if (component.ends_with(".service") ||
          (component.ends_with(".scope") && component != "init.scope")) {
        return std::string(component);
      }
      if (slash == std::string_view::npos) break;
      path = path.substr(0, slash);
    }
  }
  return {};
}

std::string DescribeNamespaceError(const char* what, int error_number) {
  std::string text = what;
  text += ": ";
  switch (error_number) {
    case EPERM:
      text += "permission denied: entering another network namespace needs CAP_SYS_ADMIN";
      break;
    case EACCES:
      text += "permission denied: another user's namespaces need CAP_SYS_PTRACE";
      break;
    case ENOENT:
    case ESRCH:
      text += "the namespace is gone";
      break;
    default:
      text += ErrnoText(error_number);
  }
  return text;
}

std::vector<NetworkNamespace> NamespaceFinder::Find(const NamespaceSelection& selection,
                                                    std::vector<std::string>& errors) const {
  std::vector<NetworkNamespace> found;
  NetworkNamespace& own = found.emplace_back();
  own.own = true;
  own.uses_own_root = true;
  Identity own_net;
  Identity own_mount;
  int error_number = 0;
  if (StatIdentity(paths_.proc + "/self/ns/net", own_net, error_number)) {
    own.inode = own_net.inode;
  } else {
    errors.push_back(
        DescribeNamespaceError("reading the exporter's own network namespace", error_number));
  }
  if (selection.OwnOnly()) return found;
  (void)StatIdentity(paths_.proc + "/self/ns/mnt", own_mount, error_number);

  // Who holds which namespace, from every process's ns links.
  std::map<Identity, Holders> holders;
  int denied = 0;
  for (const pid_t pid : ListPids(paths_.proc)) {
    const std::string base = paths_.proc + "/" + std::to_string(pid) + "/ns/";
    Identity net;
    Identity mount;
    if (!StatIdentity(base + "net", net, error_number)) {
      if (error_number == EACCES || error_number == EPERM) ++denied;
      continue;  // gone meanwhile, or not ours to see
    }
    if (!StatIdentity(base + "mnt", mount, error_number)) continue;
    Holders& entry = holders[net];
    if (entry.lowest_pid == 0) entry.lowest_pid = pid;  // pids ascend
    entry.by_mount.emplace(mount.inode, pid);
  }
  if (denied > 0) {
    errors.push_back("the network namespaces of " + std::to_string(denied) +
                     " processes cannot be seen: reading another user's namespaces needs "
                     "CAP_SYS_PTRACE");
  }

  std::vector<Candidate> candidates;
  std::map<Identity, std::size_t> index_of;
  const auto add = [&](Candidate candidate) {
    if (candidate.identity == own_net) return;
    if (candidate.error.empty()) {
      const auto [it, inserted] = index_of.emplace(candidate.identity, candidates.size());
      if (!inserted) return;  // the first (and best) name of this namespace stays
    }
    candidates.push_back(std::move(candidate));
  };

  for (const NamespacePath& entry : selection.paths) {
    Candidate candidate{entry.name, Origin::kPath, entry.path, {}, {}};
    if (!StatIdentity(entry.path, candidate.identity, error_number)) {
      candidate.error = DescribeNamespaceError(("opening " + entry.path).c_str(), error_number);
    }
    add(std::move(candidate));
  }
  // /run/netns names, also for namespaces found through their processes.
  std::map<Identity, std::string> named;
  if (DIR* dir = ::opendir(paths_.named_netns.c_str())) {
    std::vector<std::string> names;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): safe on a stream no other thread uses.
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string path = paths_.named_netns + "/" + name;
      Identity identity;
      if (!StatIdentity(path, identity, error_number)) continue;
      struct statfs fs {};
      if (::statfs(path.c_str(), &fs) != 0 || fs.f_type != NSFS_MAGIC) continue;  // not mounted
      named.emplace(identity, name);
      if (selection.named && !Matches(selection.exclude, name)) {
        add(Candidate{name, Origin::kNamed, path, identity, {}});
      }
    }
  } else if (errno != ENOENT && selection.named) {
    errors.push_back("listing " + paths_.named_netns + ": " + ErrnoText(errno));
  }
  if (selection.processes) {
    std::vector<Candidate> by_process;
    for (const auto& [identity, holder] : holders) {
      if (identity == own_net || index_of.count(identity) != 0) continue;
      const auto named_it = named.find(identity);
      const bool is_named = named_it != named.end();
      std::string name =
          is_named ? named_it->second
                   : NameFromCgroup(ReadSmallFile(paths_.proc + "/" +
                                                  std::to_string(holder.lowest_pid) + "/cgroup"));
      if (name.empty()) name = "pid-" + std::to_string(holder.lowest_pid);
      if (Matches(selection.exclude, name)) continue;
      by_process.push_back(
          Candidate{std::move(name),
                    is_named ? Origin::kNamed : Origin::kProcess,
                    paths_.proc + "/" + std::to_string(holder.lowest_pid) + "/ns/net",
                    identity,
                    {}});
    }
    for (Candidate& candidate : by_process) add(std::move(candidate));
  }

  // Two namespaces never share a name: a name made from a process that
  // another namespace also has gets the inode appended, on all that share it.
  std::unordered_map<std::string, int> uses;
  for (const Candidate& c : candidates) ++uses[c.name];
  for (Candidate& c : candidates) {
    if (c.origin == Origin::kProcess && uses[c.name] > 1) {
      c.name += "-" + std::to_string(c.identity.inode);
    }
  }

  for (Candidate& candidate : candidates) {
    NetworkNamespace& ns = found.emplace_back();
    ns.name = std::move(candidate.name);
    ns.inode = candidate.identity.inode;
    if (!candidate.error.empty()) {
      ns.error = std::move(candidate.error);
      continue;
    }
    auto handle = std::make_shared<NamespaceHandle>();
    handle->fd.reset(::open(candidate.open_path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!handle->fd) {
      ns.error = DescribeNamespaceError(("opening " + candidate.open_path).c_str(), errno);
      continue;
    }
    struct statfs fs {};
    if (::fstat(handle->fd.get(), &st) != 0 || ::fstatfs(handle->fd.get(), &fs) != 0 ||
        fs.f_type != NSFS_MAGIC ||
        Identity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)} !=
            candidate.identity) {
      // A process that exited between the scan and here, its PID reused.
      ns.error = candidate.open_path + " is not the namespace it was a moment ago";
      continue;
    }
    ns.handle = std::move(handle);
    const auto holder = holders.find(candidate.identity);
    ns.uses_own_root = candidate.origin != Origin::kProcess;
    if (holder != holders.end()) {
      for (const auto& [mount, pid] : holder->second.by_mount) {
        if (mount == own_mount.inode) {
          ns.uses_own_root = true;
        } else {
          ns.root_pids.push_back(pid);
        }
      }
      std::sort(ns.root_pids.begin(), ns.root_pids.end());
    }
  }
  return found;
}

void RunConcurrently(std::vector<NamespaceTask>& tasks) {
  const auto run = [](NamespaceTask& task) {
    if (task.ns_fd >= 0 && ::setns(task.ns_fd, CLONE_NEWNET) != 0) {
      task.error = DescribeNamespaceError("entering the namespace", errno);
      return;
    }
    try {
      task.work();
    } catch (const std::exception& e) {
      task.error = std::string("reading inside the namespace: ") + e.what();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(tasks.size());
  for (std::size_t i = 1; i < tasks.size(); ++i) {
    try {
      threads.emplace_back(run, std::ref(tasks[i]));
    } catch (const std::system_error& e) {
      tasks[i].error = std::string("no thread to be had for the namespace: ") + e.what();
    }
  }
  if (!tasks.empty()) {
    if (tasks.front().ns_fd < 0) {
      run(tasks.front());
    } else {
      tasks.front().error = "the calling thread never enters another namespace";
    }
  }
  for (std::thread& thread : threads) thread.join();
}

SocketDirectory OpenDirectoryInRoot(const std::string& proc, pid_t pid, std::string_view path,
                                    std::string& error) {
  SocketDirectory out;
  const std::string root_path = proc + "/" + std::to_string(pid) + "/root";
  const UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    error = DescribeNamespaceError(("opening " + root_path).c_str(), errno);
    return out;
  }
  while (path.starts_with('/')) path.remove_prefix(1);
  const std::string relative = path.empty() ? std::string(".") : std::string(path);
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof how);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      error = "opening " + std::string(path) + " inside " + root_path + ": " + ErrnoText(errno);
    }
    return out;
  }
  out.fd.reset(static_cast<int>(fd));
  out.path = "/proc/self/fd/" + std::to_string(fd);
  return out;
}

}  // namespace wgx
