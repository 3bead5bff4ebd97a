// The timeout argument of poll() for waking at a deadline.
#pragma once

#include <chrono>
#include <climits>

namespace wgx {

// 0 once `deadline` has passed, else the milliseconds left, rounded up
// (waking a hair early would only spin once more), at most INT_MAX.
inline int PollTimeoutUntil(std::chrono::steady_clock::time_point deadline,
                            std::chrono::steady_clock::time_point now) {
  if (deadline <= now) return 0;
  const auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
  return wait < INT_MAX ? static_cast<int>(wait) : INT_MAX;
}

}  // namespace wgx
