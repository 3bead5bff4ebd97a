#!/usr/bin/env bash
# Cross-builds for arm64 (scripts/cross-arm64.sh, sysroot cached) and runs
# the arm64 suite. Usage: run_test.sh SOURCE_DIR NATIVE_BUILD_DIR
set -uo pipefail
src=$1 native_build=$2
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
export WGX_ARM64_BUILD=$native_build/arm64
export WGX_NATIVE_BUILD=$native_build
start=$(date +%s)
out=$(WGX_NATIVE_EXPORTER="$WGX_EXPORTER" "$src/scripts/cross-arm64.sh" "$WGX_ARM64_BUILD" 2>&1)
rc=$?
echo "$out" | grep -v '^\[' | tail -20
[ "$rc" -eq 0 ] || { echo "FAIL: scripts/cross-arm64.sh exited $rc"; exit 1; }
WGX_SYSROOT=$(sed -n 's/^WGX_SYSROOT=//p' <<<"$out")
export WGX_SYSROOT
echo "arm64 build in $(( $(date +%s) - start )) s"
python3 "$src/tests/e2e/run_suite.py" "$src/tests/cross/test_arm64.py"
