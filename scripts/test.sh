#!/usr/bin/env bash
# Installs every package the tests need, builds, and runs the whole suite:
# unit and integration tests, end to end against real wireguard-go,
# Prometheus and Alertmanager, and the kernel WireGuard VM test.
# Must run as root (network namespaces, wireguard-go, qemu).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: the suite makes network namespaces, runs wireguard-go and boots a VM: run it as root" >&2
  echo "test.sh: for example: su -c '$0'" >&2
  exit 1
fi
scripts/install-deps.sh all || exit 1
jobs=$(nproc)

passed=0
failed=0
skipped=0
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
  # ctest counts a skipped test among the passed ones; this tally does not.
  local skips
  skips=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)$' "$log")
  rm -f "$log"
  if [ -n "$line" ]; then
    local total fails
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    fails=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - fails - skips))
    failed=$((failed + fails))
    skipped=$((skipped + skips))
  elif [ "$rc" -ne 0 ]; then
    failed=$((failed + 1))
  fi
  [ "$rc" -eq 0 ] || failed_stages+=("$name")
}

build() {  # build DIR [-DCACHE=VALUE...] [--target T...]
  local dir=$1; shift
  local defs=() targets=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --target) shift; while [ $# -gt 0 ]; do targets+=(--target "$1"); shift; done ;;
      *) defs+=("$1"); shift ;;
    esac
  done
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${defs[@]}" >/dev/null &&
    cmake --build "$dir" -j"$jobs" "${targets[@]}"
}

unit_targets=(--target wireguard_tests config_tests metrics_tests http_tests)
unit_labels='^(wireguard|config|metrics|http)$'

stage "build" build build
# Every test sets its own TIMEOUT (unit tests 60 s, the VM test 900 s), which
# wins over --timeout: that is only the limit of a test that forgot to.
stage "tests" ctest --test-dir build --output-on-failure -j"$jobs" --timeout 900 \
  -LE '^(container|arm64)$'

# The container image (podman, base images made with mmdebstrap) and the
# arm64 cross build, each its own stage with its time.
timed_stage() {  # timed_stage NAME COMMAND...
  local start=$SECONDS
  stage "$@"
  echo "=== $1: $((SECONDS - start)) s"
}
if [ "${WGX_SKIP_CONTAINER:-0}" != 1 ]; then
  timed_stage "container" ctest --test-dir build --output-on-failure -L '^container$'
fi
if [ "${WGX_SKIP_ARM64:-0}" != 1 ]; then
  timed_stage "arm64" ctest --test-dir build --output-on-failure -L '^arm64$'
fi

# The unit and concurrency tests again under AddressSanitizer with
# UndefinedBehaviorSanitizer, then under ThreadSanitizer: any report fails.
if [ "${WGX_SKIP_SANITIZERS:-0}" != 1 ]; then
  stage "build asan+ubsan" build build-asan -DWGX_SANITIZE=address,undefined \
    -DWGX_BUILD_BENCHMARKS=OFF "${unit_targets[@]}"
  stage "tests asan+ubsan" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -L "$unit_labels"
  stage "build tsan" build build-tsan -DWGX_SANITIZE=thread -DWGX_BUILD_BENCHMARKS=OFF \
    "${unit_targets[@]}"
  stage "tests tsan" env TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir build-tsan --output-on-failure -j"$jobs" -L "$unit_labels"
fi

# Style and static analysis: clang-format over every C++ file, clang-tidy
# (the repo's .clang-tidy, warnings are errors) over the exporter's sources.
lint() {
  local bad
  bad=$(git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format --dry-run -Werror 2>&1 | grep -c 'error:')
  echo "clang-format: ${bad} problem(s)"
  git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format --dry-run -Werror || return 1
  local log
  log=$(mktemp)
  run-clang-tidy -p build -j "$jobs" -quiet "$(pwd)/exporter/" >"$log" 2>&1
  local rc=$?
  # run-clang-tidy colours its output; strip that before looking for findings.
  sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E -A3 '^/.*(warning|error):'
  rm -f "$log"
  echo "clang-tidy: exit ${rc}"
  return $rc
}
if [ "${WGX_SKIP_LINT:-0}" != 1 ]; then
  stage "lint" lint
fi

# Every parser under libFuzzer for a bounded time (WGX_FUZZ_SECONDS each).
if [ "${WGX_SKIP_FUZZ:-0}" != 1 ]; then
  stage "fuzz" scripts/fuzz.sh "${WGX_FUZZ_SECONDS:-30}"
fi

echo
for s in "${failed_stages[@]}"; do echo "FAILED stage: $s"; done
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "${#failed_stages[@]}" -eq 0 ]
