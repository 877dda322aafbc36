#!/usr/bin/env bash
# The test command (README, .ci/run): installs OpenCL + PoCL if missing, then runs every test.
# OpenCL tests run the kernels on PoCL against their Swift twins; with no OpenCL driver they skip.
# The tests are XCTest only, so Swift Testing's empty run is turned off; the last line sums it up.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.build/pocl-cache}"
log=$(mktemp)
set +e
swift test --disable-swift-testing 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E "Test Suite 'All tests' (passed|failed)" -A1 "$log" | grep -oE "Executed [0-9]+ tests?, with ([0-9]+ tests? skipped and )?[0-9]+ failures?" | tail -1)
total=$(echo "$summary" | grep -oE "Executed [0-9]+" | grep -oE "[0-9]+")
skipped=$(echo "$summary" | grep -oE "[0-9]+ tests? skipped" | grep -oE "^[0-9]+" || echo 0)
failed=$(echo "$summary" | grep -oE "[0-9]+ failures?" | grep -oE "^[0-9]+")
rm -f "$log"
if [ -n "$total" ]; then
  echo "tests: $((total - ${skipped:-0} - failed)) passed, $failed failed, ${skipped:-0} skipped"
fi
exit "$status"
