#!/usr/bin/env bash
# The main job on the bundled defaults: samples NAS-Bench-201 architectures conditioned on
# "CIFAR-10-valid top 5 %" AND "Pixel 3 latency ≤ its 25th percentile" from the bundled checkpoint,
# writes them to samples.jsonl and prints their metrics. Extra arguments go to `nasdiff sample`.
# No cell of NB201 meets both conditions, so the model never saw that pair: composed guidance (one
# weight per condition, latency weighted up) trades them off; 100 strided steps keep it under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
swift build -c release --product nasdiff
.build/release/nasdiff sample --checkpoint Models/nb201-small.safetensors \
  --condition cifar10-valid --condition lat-pixel3 --guidance composed --weight 1,2 --steps 100 \
  --count 192 --out samples.jsonl "$@"
