#include "exporter/http/flags.h"

#include <gtest/gtest.h>

namespace wgx {
namespace {

Options Parse(std::vector<std::string> args) {
  auto result = ParseFlags(args);
  if (auto* e = std::get_if<FlagError>(&result)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  return std::get<Options>(result);
}

std::string ErrorOf(std::vector<std::string> args) {
  auto result = ParseFlags(args);
  if (auto* e = std::get_if<FlagError>(&result)) return e->message;
  return "";
}

TEST(FlagsTest, DefaultsFollowExporterConventions) {
  const Options o = Parse({});
  EXPECT_EQ(o.listen_address, ":9586");
  EXPECT_EQ(o.telemetry_path, "/metrics");
  EXPECT_FALSE(o.config_file.has_value());
  EXPECT_FALSE(o.enable_lifecycle);
  EXPECT_EQ(o.socket_dirs, (std::vector<std::string>{"/var/run/wireguard", "/var/run/amneziawg"}));
  EXPECT_EQ(o.log_level, "info");
  EXPECT_EQ(o.log_format, "logfmt");
  EXPECT_EQ(o.max_requests, 40);
}

TEST(FlagsTest, AcceptsEqualsAndSpaceForms) {
  const Options a = Parse({"--web.listen-address=127.0.0.1:9999", "--config.file", "/etc/x.yml"});
  EXPECT_EQ(a.listen_address, "127.0.0.1:9999");
  EXPECT_EQ(a.config_file.value(), "/etc/x.yml");
  const Options b = Parse({"--web.enable-lifecycle", "--log.format", "json", "--log.level=debug"});
  EXPECT_TRUE(b.enable_lifecycle);
  EXPECT_EQ(b.log_format, "json");
  EXPECT_EQ(b.log_level, "debug");
}

TEST(FlagsTest, SocketDirectoriesRepeatAndReplaceTheDefaults) {
  EXPECT_EQ(
      Parse({"--wireguard.socket-dir=/run/a", "--wireguard.socket-dir", "/run/b"}).socket_dirs,
      (std::vector<std::string>{"/run/a", "/run/b"}));
  EXPECT_EQ(Parse({"--wireguard.socket-dir=/srv/wg"}).socket_dirs,
            (std::vector<std::string>{"/srv/wg"}));
  EXPECT_EQ(ErrorOf({"--wireguard.socket-dir="}),
            "invalid value for flag --wireguard.socket-dir: must not be empty");
}

TEST(FlagsTest, BooleanNegationAndExplicitValues) {
  EXPECT_FALSE(Parse({"--no-wireguard.kernel"}).read_kernel);
  EXPECT_FALSE(Parse({"--wireguard.userspace=false"}).read_userspace);
  EXPECT_TRUE(Parse({"--config.check=true"}).config_check);
}

TEST(FlagsTest, RejectsUnknownFlagsAndBadValues) {
  EXPECT_EQ(ErrorOf({"--web.listen-adress=:1"}), "unknown flag --web.listen-adress");
  EXPECT_EQ(ErrorOf({"--no-config.file"}), "unknown flag --no-config.file");
  EXPECT_EQ(ErrorOf({"positional"}),
            "unexpected argument \"positional\" (flags look like --name=value)");
  EXPECT_EQ(ErrorOf({"--config.file"}), "flag --config.file needs a value");
  EXPECT_EQ(ErrorOf({"--log.level=verbose"}),
            "invalid value for flag --log.level: expected one of debug, info, warn, error, got "
            "\"verbose\"");
  EXPECT_EQ(ErrorOf({"--log.format=xml"}),
            "invalid value for flag --log.format: expected logfmt or json, got \"xml\"");
  EXPECT_EQ(ErrorOf({"--web.enable-lifecycle=maybe"}),
            "invalid value for flag --web.enable-lifecycle: expected true or false, got \"maybe\"");
  EXPECT_EQ(ErrorOf({"--web.max-requests=-1"}),
            "invalid value for flag --web.max-requests: expected a whole number from 0 to 10000, "
            "got \"-1\"");
  EXPECT_EQ(ErrorOf({"--web.telemetry-path=metrics"}),
            "invalid value for flag --web.telemetry-path: must start with '/'");
}

TEST(FlagsTest, ListenAddressesMapToCivetweb) {
  EXPECT_EQ(std::get<std::string>(ToCivetListeningPort(":9586")), "9586");
  EXPECT_EQ(std::get<std::string>(ToCivetListeningPort("127.0.0.1:9586")), "127.0.0.1:9586");
  EXPECT_EQ(std::get<std::string>(ToCivetListeningPort("[::1]:9586")), "[::1]:9586");
  EXPECT_TRUE(std::holds_alternative<FlagError>(ToCivetListeningPort("9586")));
  EXPECT_TRUE(std::holds_alternative<FlagError>(ToCivetListeningPort(":99999")));
  EXPECT_TRUE(std::holds_alternative<FlagError>(ToCivetListeningPort(":port")));
  EXPECT_TRUE(std::holds_alternative<FlagError>(ToCivetListeningPort("::1:9586")));
  EXPECT_EQ(ErrorOf({"--web.listen-address=localhost"}),
            "invalid value for flag --web.listen-address: expected [host]:port, got \"localhost\"");
}

TEST(FlagsTest, UsageListsEveryFlag) {
  const std::string usage = UsageText();
  for (const char* flag :
       {"--web.listen-address", "--web.telemetry-path", "--web.config.file",
        "--[no-]web.enable-lifecycle", "--config.file", "--[no-]config.check",
        "--wireguard.socket-dir", "--log.level", "--log.format", "--version", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace wgx
