#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UndefinedBehaviorSanitizer,
# the whole build instrumented) in build-fuzz/ and runs each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 30 s, every target
#
# Each target starts from a copy of its seed corpus (fuzz/corpus/<target>/ plus
# the matching fixtures under tests/data/) in build-fuzz/corpus/, so the repo is
# never written. Exits non-zero on any crash, leak, timeout, out-of-memory or
# sanitizer report; reproducers land in build-fuzz/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
duration=${1:-30}
shift $(( $# > 0 ? 1 : 0 ))
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi
build=${WGX_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${WGX_FUZZ_JOBS:-$(nproc)}

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
echo "=== configuring $build"
mkdir -p "$build"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWGX_BUILD_FUZZERS=ON -DWGX_BUILD_TESTS=OFF -DWGX_BUILD_BENCHMARKS=OFF \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
echo "=== building the fuzz targets"
if ! cmake --build "$build" --target fuzzers -j"$jobs" >"$build/build.log" 2>&1; then
  tail -50 "$build/build.log"
  exit 1
fi

# Extra seeds from the unit tests' fixtures: real captured inputs.
extra_seeds() {
  case "$1" in
    uapi_parser_fuzz) echo "tests/data/uapi" ;;
    config_loader_fuzz) echo "tests/data/config" ;;
    wg_quick_fuzz) echo "tests/data/wg_quick tests/data/config/wg_quick" ;;
    web_config_fuzz) echo "tests/data/web_config tests/data/web" ;;
  esac
}

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in fuzz/*_fuzz.cpp; do
    targets+=("$(basename "$source" .cpp)")
  done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/artifacts" "$build/logs"
passed=0
failed=0
rows=()
for target in "${targets[@]}"; do
  binary="$build/fuzz/$target"
  if [ ! -x "$binary" ]; then
    echo "fuzz: no such target $target" >&2
    failed=$((failed + 1))
    rows+=("$(printf '%-22s %12s %10s %8s %8s  %s' "$target" - - - - "MISSING")")
    continue
  fi
  corpus="$build/corpus/$target"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  [ -d "fuzz/corpus/$target" ] && cp -r "fuzz/corpus/$target/." "$corpus/"
  for dir in $(extra_seeds "$target"); do
    [ -d "$dir" ] && find "$dir" -maxdepth 1 -type f -exec cp {} "$corpus/" \;
  done
  seeds=$(find "$corpus" -type f | wc -l)
  log="$build/logs/$target.log"
  echo "=== $target: ${duration}s from $seeds seeds"
  start=$(date +%s.%N)
  # The working directory is an empty scratch dir: the config loader follows
  # relative wg-quick paths from the YAML it is fed.
  scratch="$build/scratch/$target"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  (cd "$scratch" && "$binary" -max_total_time="$duration" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" "$corpus") >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  runtime=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  rss=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+).*/\1/p' "$log" | tail -1)
  corpus_size=$(find "$corpus" -type f | wc -l)
  result=ok
  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|==[0-9]+==ERROR|libFuzzer: (deadly signal|timeout|out-of-memory)' "$log"; then
    result="FAILED (exit $rc)"
    failed=$((failed + 1))
    echo "--- $target failed; summary from $log:"
    grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x[0-9a-f]+ in wgx|Test unit written' "$log" | head -25
  else
    passed=$((passed + 1))
  fi
  rows+=("$(printf '%-22s %12s %10s %8s %8s  %s' "$target" "${execs:--}" "${runtime}s" \
    "${rss:--}MB" "$corpus_size" "$result")")
done

echo
printf '%-22s %12s %10s %8s %8s  %s\n' target executions runtime peak_rss corpus result
for row in "${rows[@]}"; do echo "$row"; done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
