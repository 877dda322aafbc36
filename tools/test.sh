#!/usr/bin/env bash
# The test command (README, .ci/run): installs OpenCL + PoCL if missing, then runs every test.
# OpenCL tests run the kernels on PoCL against their Swift twins; with no OpenCL driver they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$PWD/.build/pocl-cache}"
swift test 2>&1
