// The RTM_GETLINK listing and the generic netlink family lookup.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <string>

#include "exporter/wireguard/netlink_parser.h"
#include "tests/wireguard/netlink_test_messages.h"

namespace wgx::netlink {
namespace {

using testing::Answer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::uint32_t kSequence = 99;

// One RTM_NEWLINK as the kernel sends it; `kind` empty for links without one.
void AddLink(Answer& answer, int index, const std::string& name, const std::string& kind) {
  nlmsghdr* message = answer.Begin(RTM_NEWLINK, NLM_F_MULTI, kSequence);
  auto* link = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  link->ifi_family = AF_UNSPEC;
  link->ifi_index = index;
  mnl_attr_put_strz(message, IFLA_IFNAME, name.c_str());
  mnl_attr_put_u32(message, IFLA_MTU, 1420);
  if (!kind.empty()) {
    nlattr* info = mnl_attr_nest_start(message, IFLA_LINKINFO);
    mnl_attr_put_strz(message, IFLA_INFO_KIND, kind.c_str());
    mnl_attr_nest_end(message, info);
  }
  answer.End(message);
}

TEST(NetlinkLinkDumpTest, ListsOnlyWireGuardLinks) {
  Answer first;
  AddLink(first, 1, "lo", "");
  AddLink(first, 2, "wg0", "wireguard");
  AddLink(first, 3, "veth0", "veth");
  Answer second;
  AddLink(second, 4, "wg-office", "wireguard");
  AddLink(second, 5, "wireguard", "tun");  // the name says nothing, the kind does
  second.AddDone(0, kSequence);

  LinkDumpParser parser(kSequence);
  auto bytes = first.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kNeedMore);
  bytes = second.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_THAT(parser.wireguard_links(), ElementsAre("wg0", "wg-office"));
}

TEST(NetlinkLinkDumpTest, NoLinksAtAll) {
  Answer answer;
  answer.AddDone(0, kSequence);
  LinkDumpParser parser(kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_THAT(parser.wireguard_links(), IsEmpty());
}

TEST(NetlinkLinkDumpTest, KernelErrorIsReported) {
  Answer answer;
  answer.AddError(-EACCES, kSequence);
  LinkDumpParser parser(kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
  EXPECT_EQ(parser.error().error_number, EACCES);
  EXPECT_EQ(parser.error().message, "Permission denied");
}

TEST(NetlinkLinkDumpTest, MalformedLinksAreErrors) {
  {
    Answer answer;
    nlmsghdr* message = answer.Begin(RTM_NEWLINK, NLM_F_MULTI, kSequence);
    mnl_nlmsg_put_extra_header(message, 8);  // shorter than ifinfomsg
    answer.End(message);
    answer.AddDone(0, kSequence);
    LinkDumpParser parser(kSequence);
    auto bytes = answer.bytes();
    EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
    EXPECT_EQ(parser.error().error_number, EBADMSG);
  }
  {
    Answer answer;
    nlmsghdr* message = answer.Begin(RTM_NEWLINK, NLM_F_MULTI, kSequence);
    mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg));
    const char unterminated[2] = {'w', 'g'};
    mnl_attr_put(message, IFLA_IFNAME, sizeof unterminated, unterminated);
    answer.End(message);
    answer.AddDone(0, kSequence);
    LinkDumpParser parser(kSequence);
    auto bytes = answer.bytes();
    EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
  }
}

TEST(NetlinkLinkDumpTest, EveryTruncationFailsOrWaits) {
  Answer answer;
  AddLink(answer, 1, "lo", "");
  AddLink(answer, 2, "wg0", "wireguard");
  answer.AddDone(0, kSequence);
  const auto whole = answer.bytes();
  for (std::size_t length = 0; length < whole.size(); ++length) {
    std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + length);
    LinkDumpParser parser(kSequence);
    EXPECT_NE(parser.Feed(cut), FeedStatus::kDone) << "length " << length;
  }
}

// The controller's answer to CTRL_CMD_GETFAMILY, followed by the ack.
void AddFamily(Answer& answer, const std::string& name, std::uint16_t id) {
  nlmsghdr* message = answer.Begin(GENL_ID_CTRL, 0, kSequence);
  auto* genl = static_cast<genlmsghdr*>(mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr)));
  genl->cmd = CTRL_CMD_NEWFAMILY;
  genl->version = 2;
  mnl_attr_put_strz(message, CTRL_ATTR_FAMILY_NAME, name.c_str());
  mnl_attr_put_u16(message, CTRL_ATTR_FAMILY_ID, id);
  mnl_attr_put_u32(message, CTRL_ATTR_VERSION, 1);
  answer.End(message);
}

TEST(NetlinkFamilyTest, ResolvesTheFamilyId) {
  Answer answer;
  AddFamily(answer, "wireguard", 0x22);
  answer.AddError(0, kSequence);
  FamilyReplyParser parser("wireguard", kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_EQ(parser.family_id(), 0x22);
}

TEST(NetlinkFamilyTest, AbsentFamilyIsEnoent) {
  Answer answer;
  answer.AddError(-ENOENT, kSequence);
  FamilyReplyParser parser("wireguard", kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
  EXPECT_EQ(parser.error().error_number, ENOENT);
}

TEST(NetlinkFamilyTest, AnotherFamilysAnswerDoesNotCount) {
  Answer answer;
  AddFamily(answer, "nl80211", 0x23);
  answer.AddError(0, kSequence);
  FamilyReplyParser parser("wireguard", kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
  EXPECT_EQ(parser.error().error_number, ENOENT);
}

TEST(NetlinkFamilyTest, MalformedIdIsAnError) {
  Answer answer;
  nlmsghdr* message = answer.Begin(GENL_ID_CTRL, 0, kSequence);
  mnl_nlmsg_put_extra_header(message, sizeof(genlmsghdr));
  mnl_attr_put_strz(message, CTRL_ATTR_FAMILY_NAME, "wireguard");
  mnl_attr_put_u32(message, CTRL_ATTR_FAMILY_ID, 0x22);
  answer.End(message);
  answer.AddError(0, kSequence);
  FamilyReplyParser parser("wireguard", kSequence);
  auto bytes = answer.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kError);
  EXPECT_EQ(parser.error().error_number, EBADMSG);
}

}  // namespace
}  // namespace wgx::netlink
