#include "exporter/wireguard/netlink_parser.h"

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <sys/socket.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wgx::netlink {
namespace {

bool SendableName(std::string_view name, std::size_t max_length) {
  return !name.empty() && name.size() <= max_length && name.find('\0') == std::string_view::npos;
}

// Room for one request message; requests are tiny.
constexpr std::size_t kRequestBufferSize = 256;

// The request built in `buffer`, cut to its length.
std::vector<std::uint8_t> TakeMessage(std::vector<std::uint8_t>& buffer, const nlmsghdr* message) {
  buffer.resize(message->nlmsg_len);
  return std::move(buffer);
}

}  // namespace

std::vector<std::uint8_t> BuildGetDeviceRequest(std::string_view interface_name,
                                                std::uint16_t family_id, std::uint32_t sequence) {
  if (!SendableName(interface_name, IFNAMSIZ - 1)) return {};
  std::vector<std::uint8_t> buffer(kRequestBufferSize);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = family_id;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message->nlmsg_seq = sequence;
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = WG_CMD_GET_DEVICE;
  genl->version = WG_GENL_VERSION;
  const std::string name(interface_name);
  mnl_attr_put_strz(message, WGDEVICE_A_IFNAME, name.c_str());
  return TakeMessage(buffer, message);
}

std::vector<std::uint8_t> BuildGetFamilyRequest(std::string_view family_name,
                                                std::uint32_t sequence) {
  if (!SendableName(family_name, GENL_NAMSIZ - 1)) return {};
  std::vector<std::uint8_t> buffer(kRequestBufferSize);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = GENL_ID_CTRL;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  message->nlmsg_seq = sequence;
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = CTRL_CMD_GETFAMILY;
  genl->version = 1;
  const std::string name(family_name);
  mnl_attr_put_strz(message, CTRL_ATTR_FAMILY_NAME, name.c_str());
  return TakeMessage(buffer, message);
}

std::vector<std::uint8_t> BuildGetLinkDumpRequest(std::uint32_t sequence) {
  std::vector<std::uint8_t> buffer(kRequestBufferSize);
  nlmsghdr* message = mnl_nlmsg_put_header(buffer.data());
  message->nlmsg_type = RTM_GETLINK;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message->nlmsg_seq = sequence;
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  // Asks the kernel to send only WireGuard links. A kernel that does not know
  // the kind (module not loaded) ignores the filter, so the parser still
  // checks every link's kind itself.
  nlattr* info = mnl_attr_nest_start(message, IFLA_LINKINFO);
  mnl_attr_put_strz(message, IFLA_INFO_KIND, WG_GENL_NAME);
  mnl_attr_nest_end(message, info);
  return TakeMessage(buffer, message);
}

}  // namespace wgx::netlink
