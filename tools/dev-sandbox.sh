#!/usr/bin/env bash
# Makes an isolated package in /tmp/sb-NAME holding the Compute core plus the named op and test
# files (as symlinks into this repo), so several people can build kernels side by side without
# breaking each other's builds. Kernels are this repo's Kernels/ (embedded, or read via NASDIFF_KERNELS_DIR).
# Usage: tools/dev-sandbox.sh NAME Sources/Compute/Ops/Foo.swift Tests/ComputeTests/FooTests.swift ...
# Then:  cd /tmp/sb-NAME && NASDIFF_KERNELS_DIR=$REPO/Kernels swift test
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=$1; shift
sb=/tmp/sb-$name
mkdir -p "$sb/Sources/Compute/Ops" "$sb/Sources/Compute/OpenCL" "$sb/Sources/Compute/Bench" "$sb/Tests/ComputeTests"
ln -sfn "$repo/Sources/COpenCL" "$sb/Sources/COpenCL"
for f in "$repo"/Sources/Compute/*.swift "$repo"/Sources/Compute/OpenCL/*.swift; do
  # OpCase lists every op's cases: link an op's +Cases file with it only when asked.
  case "$f" in *OpCase.swift) continue;; esac
  ln -sf "$f" "$sb/${f#$repo/}"
done
ln -sf "$repo/Sources/Compute/Ops/Elementwise.swift" "$sb/Sources/Compute/Ops/Elementwise.swift"
ln -sf "$repo/Tests/ComputeTests/Support.swift" "$sb/Tests/ComputeTests/Support.swift"
ln -sfn "$repo/Kernels" "$sb/Sources/Compute/Kernels"
for f in "$@"; do ln -sf "$repo/$f" "$sb/$f"; done
cat > "$sb/Package.swift" <<'PKG'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "Sandbox",
  targets: [
    .systemLibrary(name: "COpenCL"),
    .target(name: "Compute", dependencies: ["COpenCL"], resources: [.embedInCode("Kernels")], swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
    .testTarget(name: "ComputeTests", dependencies: ["Compute"]),
  ],
  swiftLanguageModes: [.v6])
PKG
echo "sandbox at $sb; run: cd $sb && NASDIFF_KERNELS_DIR=$repo/Kernels swift test"
