#include "exporter/http/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <memory>

namespace wgx {
namespace {

void AppendEscaped(std::string_view text, bool json, spdlog::memory_buf_t& dest) {
  for (char c : text) {
    switch (c) {
      case '"':
        dest.append(std::string_view("\\\""));
        break;
      case '\\':
        dest.append(std::string_view("\\\\"));
        break;
      case '\n':
        dest.append(std::string_view("\\n"));
        break;
      case '\t':
        dest.append(std::string_view("\\t"));
        break;
      case '\r':
        dest.append(std::string_view("\\r"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          const int n = std::snprintf(buf, sizeof buf, json ? "\\u%04x" : "\\x%02x",
                                      static_cast<unsigned char>(c));
          dest.append(std::string_view(buf, n));
        } else {
          dest.push_back(c);
        }
    }
  }
}

const char* LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

// ts=2026-01-02T03:04:05.678Z level=info msg="..."  or the same as JSON.
class StructuredFormatter final : public spdlog::formatter {
 public:
  explicit StructuredFormatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    const int millis = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[40];
    const std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    (void)std::snprintf(ts + n, sizeof ts - n, ".%03dZ", millis);
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (json_) {
      dest.append(std::string_view("{\"ts\":\""));
      dest.append(std::string_view(ts));
      dest.append(std::string_view("\",\"level\":\""));
      dest.append(std::string_view(LevelName(msg.level)));
      dest.append(std::string_view("\",\"msg\":\""));
      AppendEscaped(text, true, dest);
      dest.append(std::string_view("\"}\n"));
    } else {
      dest.append(std::string_view("ts="));
      dest.append(std::string_view(ts));
      dest.append(std::string_view(" level="));
      dest.append(std::string_view(LevelName(msg.level)));
      dest.append(std::string_view(" msg=\""));
      AppendEscaped(text, false, dest);
      dest.append(std::string_view("\"\n"));
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<StructuredFormatter>(json_);
  }

 private:
  bool json_;
};

}  // namespace

void SetUpLogging(const std::string& format, const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("wireguard_exporter", sink);
  logger->set_formatter(std::make_unique<StructuredFormatter>(format == "json"));
  logger->set_level(spdlog::level::from_str(level == "warn" ? "warning" : level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace wgx
