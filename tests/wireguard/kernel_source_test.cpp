// KernelSource against the running kernel. These hold whether or not the kernel
// has WireGuard; reading real kernel interfaces is proven by the VM test in
// tests/kernel/.
#include "exporter/wireguard/kernel_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wgx {
namespace {

using ::testing::AnyOf;
using ::testing::IsEmpty;

// What reading something that is not a kernel WireGuard interface may answer,
// depending on the kernel and the privileges of the test.
const auto kNotReadable = AnyOf("kernel has no WireGuard support", "no such interface",
                                "not a kernel WireGuard interface",
                                "permission denied: reading kernel WireGuard needs CAP_NET_ADMIN");

ReadRequest Request(std::string name) {
  ReadRequest request;
  request.interface = InterfaceRef{std::move(name), Implementation::kKernel};
  request.timeout = std::chrono::milliseconds(2000);
  return request;
}

TEST(KernelSourceTest, ListReturnsOnlyKernelWireGuardLinks) {
  KernelSource source;
  std::vector<std::string> errors;
  const auto interfaces = source.List(errors);
  EXPECT_THAT(errors, IsEmpty());
  for (const InterfaceRef& ref : interfaces) {
    EXPECT_EQ(ref.implementation, Implementation::kKernel);
    EXPECT_NE(ref.name, "lo");
  }
}

TEST(KernelSourceTest, EmptyReadIsEmpty) {
  KernelSource source;
  EXPECT_THAT(source.Read({}), IsEmpty());
}

TEST(KernelSourceTest, NonWireGuardInterfacesFailEachWithAReason) {
  KernelSource source;
  const auto results = source.Read({Request("lo"), Request("wgnl-absent0"), Request("lo")});
  ASSERT_EQ(results.size(), 3u);
  for (const ReadResult& result : results) {
    EXPECT_FALSE(result.device);
    EXPECT_THAT(result.error, kNotReadable);
    EXPECT_GE(result.duration_seconds, 0.0);
  }
}

TEST(KernelSourceTest, UnsendableNameFailsWithoutHarmingTheOthers) {
  KernelSource source;
  const auto results = source.Read({Request("a-name-far-too-long-for-linux"), Request("lo")});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].device);
  EXPECT_THAT(results[0].error, AnyOf("invalid interface name", "kernel has no WireGuard support"));
  EXPECT_THAT(results[1].error, kNotReadable);
}

}  // namespace
}  // namespace wgx
