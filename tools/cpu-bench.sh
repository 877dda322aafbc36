#!/usr/bin/env bash
# The CPU path against eager PyTorch on this machine's cores, interleaved, into Benchmarks/RESULTS.md.
# Needs PyTorch and numpy (pip install torch numpy); builds the release binary first.
# Usage: tools/cpu-bench.sh [--rounds R] [--threads T]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --product nasdiff >/dev/null
python3 tools/cpu_bench.py --results Benchmarks/RESULTS.md "$@"
