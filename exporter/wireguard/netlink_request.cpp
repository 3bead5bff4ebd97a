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

#include "exporter/wireguard/amneziawg.h"

namespace wgx::netlink {
namespace {

bool SendableName(std::string_view name, std::size_t max_length) {
  return !name.empty() && name.size() <= max_length && name.find('\0') == std::string_view::npos;
}

// Room for one request message; requests are tiny.
constexpr std::size_t kRequestBufferSize = 256;

// One request message, built in a buffer of its own.
class Request {
 public:
  Request(std::uint16_t type, std::uint16_t flags, std::uint32_t sequence)
      : buffer_(kRequestBufferSize), message_(mnl_nlmsg_put_header(buffer_.data())) {
    message_->nlmsg_type = type;
    message_->nlmsg_flags = flags;
    message_->nlmsg_seq = sequence;
  }
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  nlmsghdr* message() { return message_; }

  // The finished message, cut to its length.
  std::vector<std::uint8_t> Take() && {
    buffer_.resize(message_->nlmsg_len);
    return std::move(buffer_);
  }

 private:
  std::vector<std::uint8_t> buffer_;
  nlmsghdr* message_;
};

// A generic netlink request whose one attribute is a string.
std::vector<std::uint8_t> GenericRequest(std::uint16_t type, std::uint16_t flags,
                                         std::uint32_t sequence, std::uint8_t command,
                                         std::uint8_t version, std::uint16_t attribute,
                                         std::string_view value) {
  Request request(type, flags, sequence);
  auto* genl =
      static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(request.message(), sizeof(genlmsghdr)));
  genl->cmd = command;
  genl->version = version;
  const std::string text(value);
  mnl_attr_put_strz(request.message(), attribute, text.c_str());
  return std::move(request).Take();
}

}  // namespace

std::vector<std::uint8_t> BuildGetDeviceRequest(std::string_view interface_name,
                                                std::uint16_t family_id, std::uint32_t sequence,
                                                Protocol protocol) {
  if (!SendableName(interface_name, IFNAMSIZ - 1)) return {};
  const std::uint8_t version = protocol == Protocol::kAmneziaWg
                                   ? amneziawg::kGenericNetlinkVersion
                                   : static_cast<std::uint8_t>(WG_GENL_VERSION);
  return GenericRequest(family_id, NLM_F_REQUEST | NLM_F_DUMP, sequence, WG_CMD_GET_DEVICE, version,
                        WGDEVICE_A_IFNAME, interface_name);
}

std::vector<std::uint8_t> BuildGetFamilyRequest(std::string_view family_name,
                                                std::uint32_t sequence) {
  if (!SendableName(family_name, GENL_NAMSIZ - 1)) return {};
  return GenericRequest(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, sequence, CTRL_CMD_GETFAMILY,
                        /*version=*/1, CTRL_ATTR_FAMILY_NAME, family_name);
}

std::vector<std::uint8_t> BuildGetLinkDumpRequest(std::uint32_t sequence) {
  Request request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sequence);
  nlmsghdr* message = request.message();
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  // No kind filter: the kernel takes one kind only, and both "wireguard" and
  // "amneziawg" links are wanted (the parser checks every link's kind), as
  // is every link's name (a userspace interface's tun device).
  return std::move(request).Take();
}

}  // namespace wgx::netlink
