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

TEST(NetlinkLinkDumpTest, ListsOnlyWireGuardLinks) {
  Answer first;
  AddLink(first, 1, "lo", "", kSequence);
  AddLink(first, 2, "wg0", "wireguard", kSequence);
  AddLink(first, 3, "veth0", "veth", kSequence);
  Answer second;
  AddLink(second, 4, "wg-office", "wireguard", kSequence);
  AddLink(second, 5, "wireguard", "tun", kSequence);  // the name says nothing, the kind does
  second.AddDone(0, kSequence);

  LinkDumpParser parser(kSequence);
  auto bytes = first.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kNeedMore);
  bytes = second.bytes();
  EXPECT_EQ(parser.Feed(bytes), FeedStatus::kDone);
  EXPECT_THAT(parser.wireguard_links(), ElementsAre(KernelLink{"wg0", Protocol::kWireGuard},
                                                    KernelLink{"wg-office", Protocol::kWireGuard}));
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
  AddLink(answer, 1, "lo", "", kSequence);
  AddLink(answer, 2, "wg0", "wireguard", kSequence);
  answer.AddDone(0, kSequence);
  const auto whole = answer.bytes();
  for (std::size_t length = 0; length < whole.size(); ++length) {
    std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + length);
    LinkDumpParser parser(kSequence);
    EXPECT_NE(parser.Feed(cut), FeedStatus::kDone) << "length " << length;
  }
}

TEST(NetlinkFamilyTest, ResolvesTheFamilyId) {
  Answer answer;
  AddFamily(answer, "wireguard", 0x22, kSequence);
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
  AddFamily(answer, "nl80211", 0x23, kSequence);
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
