#!/usr/bin/env bash
# Installs every package the tests need, builds, and runs the whole suite:
# unit and integration tests, end to end against real wireguard-go,
# Prometheus and Alertmanager, and the kernel WireGuard VM test.
# Must run as root (network namespaces, wireguard-go, qemu).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh all || exit 1
jobs=$(nproc)

passed=0
failed=0
failed_stages=()
stage() {  # stage NAME COMMAND...: runs one stage and tallies its ctest counts
  local name=$1; shift
  echo "=== ${name}"
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  rm -f "$log"
  if [ -n "$line" ]; then
    local total fails
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    fails=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - fails))
    failed=$((failed + fails))
  elif [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
  fi
  [ "$rc" -eq 0 ] || failed_stages+=("$name")
}

build() {  # build DIR CMAKE-ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
    cmake --build "$dir" -j"$jobs"
}

stage "build" build build
stage "tests" ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900

echo
for s in "${failed_stages[@]}"; do echo "FAILED stage: $s"; done
echo "tests: ${passed} passed, ${failed} failed"
[ "${#failed_stages[@]}" -eq 0 ]
