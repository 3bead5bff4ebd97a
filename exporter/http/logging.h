// Structured log lines (logfmt or JSON) for every spdlog call in the program.
#pragma once

#include <string>

namespace wgx {

// Installs a stderr logger as spdlog's default. `format` is "logfmt" or
// "json"; `level` is debug, info, warn or error.
void SetUpLogging(const std::string& format, const std::string& level);

}  // namespace wgx
