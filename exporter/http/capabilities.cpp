#include "exporter/http/capabilities.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

#include "exporter/wireguard/errno_text.h"

namespace wgx {
namespace {

// The capabilities the exporter can use, by number and name.
constexpr std::array<std::pair<int, const char*>, 5> kKnown = {{
    {CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE"},
    {CAP_NET_ADMIN, "CAP_NET_ADMIN"},
    {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
    {CAP_SYS_PTRACE, "CAP_SYS_PTRACE"},
    {CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH"},
}};

bool Has(const std::array<__user_cap_data_struct, 2>& data, int cap) {
  return (data[static_cast<std::size_t>(cap / 32)].effective & (1U << (cap % 32))) != 0;
}

}  // namespace

std::string RaisePermittedCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  // No libc wrapper: the raw system calls, as libcap makes them.
  if (syscall(SYS_capget, &header, data.data()) != 0) {
    return "error: capget: " + ErrnoText(errno);
  }
  bool raise = false;
  for (auto& word : data) {
    raise = raise || word.effective != word.permitted;
    word.effective = word.permitted;
  }
  if (raise && syscall(SYS_capset, &header, data.data()) != 0) {
    return "error: capset: " + ErrnoText(errno);
  }
  std::string names;
  for (const auto& [cap, name] : kKnown) {
    if (!Has(data, cap)) continue;
    if (!names.empty()) names += ',';
    names += name;
  }
  return names;
}

}  // namespace wgx
