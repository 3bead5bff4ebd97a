// Counts heap allocations made through operator new in the benchmark binary
// (alloc_counter.cpp replaces the global operators), so a benchmark can
// report bytes allocated per item next to its time.
#pragma once

#include <cstdint>

namespace wgx::bench {

struct AllocationCount {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
};

// Totals since the program started, over all threads.
AllocationCount AllocationsSoFar();

// What happened between a starting snapshot and now.
inline AllocationCount AllocationsSince(const AllocationCount& start) {
  const AllocationCount now = AllocationsSoFar();
  return {now.allocations - start.allocations, now.bytes - start.bytes};
}

}  // namespace wgx::bench
