// metrics.disable names the process_* families "process"; they are on by
// default.
#include <gtest/gtest.h>

#include <memory>
#include <variant>

#include "exporter/config/loader.h"

namespace wgx {
namespace {

TEST(ProcessToggleTest, OnByDefaultAndSwitchedOffByName) {
  const LoadResult defaults = LoadConfigFromString("discover: true\n", "c.yml");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Config>>(defaults));
  EXPECT_TRUE(std::get<std::shared_ptr<const Config>>(defaults)->metrics.process);

  const LoadResult off = LoadConfigFromString("metrics:\n  disable: [process]\n", "c.yml");
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Config>>(off));
  const Config& config = *std::get<std::shared_ptr<const Config>>(off);
  EXPECT_FALSE(config.metrics.process);
  EXPECT_TRUE(config.metrics.peer_info);
  EXPECT_TRUE(config.metrics.peer_online);
}

TEST(ProcessToggleTest, AnUnknownNameListsProcessAmongTheAllowed) {
  const LoadResult bad = LoadConfigFromString("metrics:\n  disable: [proces]\n", "c.yml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(bad));
  EXPECT_NE(std::get<ConfigError>(bad).message.find("peer_online, process"), std::string::npos)
      << std::get<ConfigError>(bad).ToString();
}

}  // namespace
}  // namespace wgx
