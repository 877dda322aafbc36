#!/usr/bin/env bash
# Builds a release nasdiff with the Swift runtime linked in, for machines without Swift (the GPU box).
# Its only non-system dependency is libOpenCL.so.1; the kernels are inside the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --static-swift-stdlib --product nasdiff
mkdir -p dist && cp .build/release/nasdiff dist/nasdiff
echo "dist/nasdiff:"; ldd dist/nasdiff | grep -v -e linux-vdso -e ld-linux || true
