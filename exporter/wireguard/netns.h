// The network namespaces of this host, as places where readers are opened:
// which there are (the exporter's own, /run/netns, those processes hold, and
// any named by path), what each is called, how to enter one without moving
// the calling thread, and where its userspace sockets are. Every descriptor
// found here belongs to one scrape and is closed with it, so a namespace
// deleted between scrapes is freed by the kernel.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/wireguard/unique_fd.h"

namespace wgx {

struct NamespacePath {
  std::string name;
  std::string path;  // any nsfs file: /run/netns/NAME, /proc/PID/ns/net, ...

  friend bool operator==(const NamespacePath&, const NamespacePath&) = default;
};

// Which namespaces beyond the exporter's own a scrape reads. The default reads
// none: the exporter's own namespace only, as without namespace support.
struct NamespaceSelection {
  bool named = false;                // every entry of /run/netns
  bool processes = false;            // every other namespace a process holds
  std::vector<std::string> exclude;  // fnmatch globs over discovered names
  std::vector<NamespacePath> paths;  // always read, whatever `exclude` says

  bool OwnOnly() const { return !named && !processes && paths.empty(); }
  friend bool operator==(const NamespaceSelection&, const NamespaceSelection&) = default;
};

// Where the host's views live; tests point them at directories of their own.
struct HostPaths {
  std::string proc = "/proc";
  std::string named_netns = "/run/netns";
};

// An open nsfs descriptor, shared by every interface found in the namespace.
struct NamespaceHandle {
  UniqueFd fd;
};

// An open socket directory and the path that reaches it from this process
// (the directory itself, or /proc/self/fd/N for one inside another root).
struct SocketDirectory {
  UniqueFd fd;
  std::string path;
};

struct NetworkNamespace {
  std::string name;  // "" for the exporter's own
  bool own = false;
  std::uint64_t inode = 0;
  // Open for this scrape; null for the exporter's own namespace, and for one
  // that could not be opened (then `error` says why).
  std::shared_ptr<const NamespaceHandle> handle;
  std::string error;
  // Processes holding the namespace, one per mount namespace (their roots may
  // hold UAPI sockets); lowest PID first. Empty when none was seen.
  std::vector<pid_t> root_pids;
  // Whether the exporter's own root is a place to look for its sockets: for
  // its own namespace and for namespaces no process of another mount
  // namespace holds (named ones share the host's filesystem).
  bool uses_own_root = false;
};

// The name of a process's namespace from its /proc/PID/cgroup text: the short
// container ID (12 hex characters) when a container engine's cgroup holds it,
// else the systemd unit, else "".
std::string NameFromCgroup(std::string_view cgroup);

class NamespaceFinder {
 public:
  explicit NamespaceFinder(HostPaths paths = {}) : paths_(std::move(paths)) {}

  // The exporter's own namespace first, then every namespace `selection`
  // picks, deduplicated by inode, each with a name of its own. Problems that
  // concern no single namespace are appended to `errors`.
  std::vector<NetworkNamespace> Find(const NamespaceSelection& selection,
                                     std::vector<std::string>& errors) const;

 private:
  HostPaths paths_;
};

// Work to run inside a network namespace (ns_fd >= 0) or in the exporter's
// own (ns_fd < 0). `error` says why the namespace could not be entered; then
// `work` did not run.
struct NamespaceTask {
  int ns_fd = -1;
  std::function<void()> work;
  std::string error;
};

// Runs every task at once and waits for all: the first on the calling
// thread, which never changes namespace (its ns_fd must be < 0), each other
// on a short-lived thread of its own that enters its namespace first.
void RunConcurrently(std::vector<NamespaceTask>& tasks);

// Opens the directory `path` (absolute, as seen inside that root) inside the
// root directory of process `pid`, resolving every symbolic link against that
// root rather than the exporter's (/var/run is a link to /run). A missing
// directory gives an invalid fd and no error.
SocketDirectory OpenDirectoryInRoot(const std::string& proc, pid_t pid, std::string_view path,
                                    std::string& error);

// "missing CAP_SYS_ADMIN" style explanations for errno values of setns/open.
std::string DescribeNamespaceError(const char* what, int error_number);

}  // namespace wgx
