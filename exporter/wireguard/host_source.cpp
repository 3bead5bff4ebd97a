#include "exporter/wireguard/host_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "exporter/wireguard/errno_text.h"

namespace wgx {
namespace {

constexpr std::string_view kSocketSuffix = ".sock";

struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator<(const FileIdentity& a, const FileIdentity& b) {
    return a.device != b.device ? a.device < b.device : a.inode < b.inode;
  }
};

FileIdentity IdentityOf(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

// One socket directory as seen from one or more namespaces.
struct Directory {
  bool own_root = false;  // in the exporter's own filesystem, at handle->path
  std::shared_ptr<const SocketDirectory> handle;
  std::string shown_as;                // for messages
  std::vector<std::size_t> seen_from;  // namespaces, in listing order
  std::size_t order = 0;               // its place in Options::socket_directories
  Protocol protocol = Protocol::kWireGuard;
};

struct Socket {
  std::string name;
  std::size_t directory = 0;
};

// NAME.sock entries of `dir` that are sockets, with their identity. Inside
// another root a symbolic link would be resolved against the exporter's own
// root, so there links are not followed.
void ListSockets(const Directory& dir, std::size_t index, std::map<FileIdentity, Socket>& sockets,
                 std::string& error) {
  const bool own_root = dir.own_root;
  const int dir_fd = own_root
                         ? ::open(dir.handle->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                         : ::openat(dir.handle->fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    if (errno != ENOENT) error = "listing " + dir.shown_as + ": " + ErrnoText(errno);
    return;
  }
  DIR* entries = ::fdopendir(dir_fd);
  if (entries == nullptr) {
    error = "listing " + dir.shown_as + ": " + ErrnoText(errno);
    ::close(dir_fd);
    return;
  }
  // NOLINTNEXTLINE(concurrency-mt-unsafe): safe on a stream no other thread uses.
  while (const dirent* entry = ::readdir(entries)) {
    const std::string_view file_name(entry->d_name);
    if (file_name.size() <= kSocketSuffix.size() || !file_name.ends_with(kSocketSuffix)) continue;
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, own_root ? 0 : AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISSOCK(st.st_mode)) {
      continue;
    }
    sockets.try_emplace(
        IdentityOf(st),
        Socket{std::string(file_name.substr(0, file_name.size() - kSocketSuffix.size())), index});
  }
  ::closedir(entries);
}

}  // namespace

HostSource::HostSource(Options options)
    : options_(std::move(options)),
      finder_(options_.host),
      userspace_(options_.socket_directories.empty() ? UserspaceSource::kDefaultSocketDirectory
                                                     : options_.socket_directories.front()) {}

std::vector<InterfaceRef> HostSource::List(std::vector<std::string>& errors) {
  Listing listing = ListNamespaces(NamespaceSelection{});
  for (std::string& error : listing.errors) errors.push_back(std::move(error));
  return std::move(listing.interfaces);
}

Listing HostSource::ListNamespaces(const NamespaceSelection& where) {
  Listing out;
  std::vector<NetworkNamespace> spaces = finder_.Find(where, out.errors);
  const std::size_t count = spaces.size();
  std::vector<std::string> problems(count);  // why a namespace is not (wholly) listed
  for (std::size_t i = 0; i < count; ++i) problems[i] = spaces[i].error;

  // Links of every namespace, each dump inside its namespace, all at once.
  // They name the kernel interfaces, and tell which namespace a userspace
  // socket seen from several belongs to (the one holding its tun device).
  std::vector<KernelSource::Links> links(count);
  const bool need_links = options_.read_kernel || count > 1;
  std::vector<bool> links_read(count, false);
  if (need_links) {
    std::vector<NamespaceTask> tasks;
    std::vector<std::size_t> task_namespace;
    for (std::size_t i = 0; i < count; ++i) {
      if (!spaces[i].own && spaces[i].handle == nullptr) continue;
      NamespaceTask& task = tasks.emplace_back();
      task.ns_fd = spaces[i].own ? -1 : spaces[i].handle->fd.get();
      task.work = [this, &links, i] { links[i] = kernel_.ListLinks(); };
      task_namespace.push_back(i);
    }
    RunConcurrently(tasks);
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      const std::size_t i = task_namespace[t];
      if (!tasks[t].error.empty()) {
        problems[i] = tasks[t].error;
      } else if (!links[i].error.empty()) {
        if (options_.read_kernel && problems[i].empty()) problems[i] = links[i].error;
      } else {
        links_read[i] = true;
      }
    }
  }

  // Userspace sockets: the exporter's own socket directories, and the same
  // directories inside the root of each other mount namespace whose
  // processes hold a namespace read, each directory once.
  std::vector<Directory> directories;
  if (options_.read_userspace) {
    std::map<FileIdentity, std::size_t> directory_of;
    for (std::size_t order = 0; order < options_.socket_directories.size(); ++order) {
      const std::string& path = options_.socket_directories[order];
      const Protocol protocol = UserspaceSource::ProtocolOfDirectory(path);
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0) {
        if (directory_of.emplace(IdentityOf(st), directories.size()).second) {
          Directory& own = directories.emplace_back();
          own.own_root = true;
          own.handle = std::make_shared<const SocketDirectory>(SocketDirectory{UniqueFd(), path});
          own.shown_as = path;
          own.order = order;
          own.protocol = protocol;
          for (std::size_t i = 0; i < count; ++i) {
            if (spaces[i].uses_own_root && (spaces[i].own || spaces[i].handle)) {
              own.seen_from.push_back(i);
            }
          }
        }
      } else if (errno != ENOENT && problems[0].empty()) {
        problems[0] = "listing " + path + ": " + ErrnoText(errno);
      }
      for (std::size_t i = 1; i < count; ++i) {
        if (spaces[i].handle == nullptr) continue;
        for (const pid_t pid : spaces[i].root_pids) {
          std::string error;
          SocketDirectory found = OpenDirectoryInRoot(options_.host.proc, pid, path, error);
          if (!error.empty() && problems[i].empty()) problems[i] = error;
          if (!found.fd || ::fstat(found.fd.get(), &st) != 0) continue;
          const auto [it, inserted] = directory_of.emplace(IdentityOf(st), directories.size());
          if (inserted) {
            Directory& dir = directories.emplace_back();
            dir.shown_as = path + " of process " + std::to_string(pid);
            dir.handle = std::make_shared<const SocketDirectory>(std::move(found));
            dir.order = order;
            dir.protocol = protocol;
          }
          std::vector<std::size_t>& seen_from = directories[it->second].seen_from;
          if (std::find(seen_from.begin(), seen_from.end(), i) == seen_from.end()) {
            seen_from.push_back(i);
          }
        }
      }
    }
  }
  std::map<FileIdentity, Socket> sockets;
  for (std::size_t d = 0; d < directories.size(); ++d) {
    if (directories[d].seen_from.empty()) continue;
    std::string error;
    ListSockets(directories[d], d, sockets, error);
    if (!error.empty()) {
      for (std::size_t i : directories[d].seen_from) {
        if (problems[i].empty()) problems[i] = error;
      }
    }
  }
  // A name in two directories is read from the one listed first.
  std::vector<const Socket*> in_order;
  in_order.reserve(sockets.size());
  for (const auto& [identity, socket] : sockets) in_order.push_back(&socket);
  std::stable_sort(in_order.begin(), in_order.end(), [&](const Socket* a, const Socket* b) {
    return directories[a->directory].order < directories[b->directory].order;
  });

  // Each socket once, in the namespace where its interface lives.
  std::set<std::pair<std::size_t, std::string>> userspace_names;
  for (const Socket* socket : in_order) {
    const Directory& dir = directories[socket->directory];
    std::size_t home = dir.seen_from.front();
    if (dir.seen_from.size() > 1) {
      for (std::size_t i : dir.seen_from) {
        const auto& all = links[i].all;
        if (links_read[i] && std::find(all.begin(), all.end(), socket->name) != all.end()) {
          home = i;
          break;
        }
      }
    }
    if (!userspace_names.emplace(home, socket->name).second) continue;
    InterfaceRef& ref = out.interfaces.emplace_back();
    ref.name = socket->name;
    ref.implementation = Implementation::kUserspace;
    ref.protocol = dir.protocol;
    ref.netns = spaces[home].name;
    ref.netns_handle = spaces[home].handle;
    ref.socket_directory = dir.handle;
  }
  if (options_.read_kernel) {
    for (std::size_t i = 0; i < count; ++i) {
      if (!links_read[i]) continue;
      for (const netlink::KernelLink& link : links[i].wireguard) {
        if (userspace_names.count({i, link.name}) != 0) continue;  // wg(8)'s precedence
        InterfaceRef& ref = out.interfaces.emplace_back();
        ref.name = link.name;
        ref.implementation = Implementation::kKernel;
        ref.protocol = link.protocol;
        ref.netns = spaces[i].name;
        ref.netns_handle = spaces[i].handle;
      }
    }
  }
  std::sort(out.interfaces.begin(), out.interfaces.end(),
            [](const InterfaceRef& a, const InterfaceRef& b) {
              return a.netns != b.netns ? a.netns < b.netns : a.name < b.name;
            });

  for (std::size_t i = 0; i < count; ++i) {
    NamespaceStatus& status = out.namespaces.emplace_back();
    status.name = spaces[i].name;
    status.up = problems[i].empty();
    status.error = problems[i];
    if (!status.up) {
      out.errors.push_back(spaces[i].own ? problems[i]
                                         : "namespace " + spaces[i].name + ": " + problems[i]);
    }
  }
  return out;
}

std::vector<ReadResult> HostSource::Read(const std::vector<ReadRequest>& requests) {
  std::vector<ReadResult> results(requests.size());
  try {
    std::vector<ReadRequest> userspace_requests;
    std::vector<std::size_t> userspace_index;
    // Kernel requests by namespace (null: the exporter's own).
    std::map<const NamespaceHandle*, std::vector<std::size_t>> kernel_groups;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const InterfaceRef& ref = requests[i].interface;
      const bool kernel = ref.implementation == Implementation::kKernel;
      if (!(kernel ? options_.read_kernel : options_.read_userspace)) {
        results[i].error = std::string("reading ") + ImplementationName(ref.implementation) +
                           " interfaces is switched off";
        continue;
      }
      if (kernel) {
        kernel_groups[ref.netns_handle.get()].push_back(i);
      } else {
        userspace_requests.push_back(requests[i]);
        userspace_index.push_back(i);
      }
    }

    // The first task (this thread) waits on every userspace socket while the
    // kernel answers arrive on threads of their own: a scrape costs about
    // the slowest read, not the sum.
    std::vector<NamespaceTask> tasks;
    tasks.push_back({-1,
                     [&] {
                       if (userspace_requests.empty()) return;
                       std::vector<ReadResult> got = userspace_.Read(userspace_requests);
                       for (std::size_t j = 0; j < got.size() && j < userspace_index.size(); ++j) {
                         results[userspace_index[j]] = std::move(got[j]);
                       }
                     },
                     {}});
    std::vector<const std::vector<std::size_t>*> task_group{nullptr};
    for (const auto& [handle, indices] : kernel_groups) {
      NamespaceTask& task = tasks.emplace_back();
      // The own namespace's kernel reads need no setns: a thread of their own.
      task.ns_fd = handle != nullptr ? handle->fd.get() : -1;
      task.work = [this, &requests, &results, &indices = indices] {
        std::vector<ReadRequest> group;
        group.reserve(indices.size());
        for (std::size_t i : indices) group.push_back(requests[i]);
        std::vector<ReadResult> got = kernel_.Read(group);
        for (std::size_t j = 0; j < got.size() && j < indices.size(); ++j) {
          results[indices[j]] = std::move(got[j]);
        }
      };
      task_group.push_back(&indices);
    }
    RunConcurrently(tasks);
    for (std::size_t t = 1; t < tasks.size(); ++t) {
      if (tasks[t].error.empty()) continue;
      for (std::size_t i : *task_group[t]) results[i].error = tasks[t].error;
    }
  } catch (const std::exception& e) {
    for (ReadResult& result : results) {
      if (!result.device && result.error.empty()) {
        result.error = std::string("reading WireGuard interfaces: ") + e.what();
      }
    }
  }
  for (ReadResult& result : results) {
    if (!result.device && result.error.empty()) result.error = "the reader gave no answer";
  }
  return results;
}

}  // namespace wgx
