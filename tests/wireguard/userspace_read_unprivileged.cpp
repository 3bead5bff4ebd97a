// Reads userspace WireGuard sockets as the unprivileged user nobody (65534)
// and prints one line per interface: its number of peers, or why it could not
// be read. Started by UserspaceSource.SocketTheReaderMayNotOpen as a process
// of its own, which a forked copy of the multi-threaded test binary could not
// safely be.
//
//   userspace_read_unprivileged SOCKET_DIRECTORY INTERFACE...
//
// Exits 0 once it has reported, 2 on a usage error, 3 when it cannot become
// nobody, 4 when it cannot write its report.
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "exporter/wireguard/userspace_source.h"

namespace {

constexpr uid_t kNobody = 65534;

bool BecomeNobody() {
  if (setgroups(0, nullptr) != 0 || setresgid(kNobody, kNobody, kNobody) != 0 ||
      setresuid(kNobody, kNobody, kNobody) != 0) {
    return false;
  }
  // Changing credentials makes a process undumpable, and LeakSanitizer's
  // tracer (a separate task, now without CAP_SYS_PTRACE) could not attach
  // to it at exit.
  return prctl(PR_SET_DUMPABLE, 1) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SOCKET_DIRECTORY INTERFACE...\n", argv[0]);
    return 2;
  }
  if (!BecomeNobody()) {
    std::perror("becoming nobody");
    return 3;
  }
  std::vector<wgx::ReadRequest> requests;
  for (int i = 2; i < argc; ++i) {
    wgx::ReadRequest request;
    request.interface.name = argv[i];
    request.interface.implementation = wgx::Implementation::kUserspace;
    request.timeout = std::chrono::milliseconds(1000);
    requests.push_back(request);
  }
  const std::vector<wgx::ReadResult> results = wgx::UserspaceSource(argv[1]).Read(requests);
  for (const wgx::ReadResult& result : results) {
    const std::string line =
        result.device ? std::to_string(result.device->peers.size()) : result.error;
    std::printf("%s\n", line.c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 4;
}
