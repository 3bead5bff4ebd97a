// Text for errno values, from any thread: strerror() may share one buffer
// between threads, strerrordesc_np() hands out constant strings.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wgx {

// "No such file or directory" for ENOENT; nullopt for a number the C library
// has no description of.
std::optional<std::string_view> ErrnoDescription(int error_number);

// The description, or "errno N" for a number without one.
std::string ErrnoText(int error_number);

}  // namespace wgx
