#!/usr/bin/env bash
# Reproduces the NB201 numbers of Benchmarks/RESULTS.md (issue 4): trains the small preset with and
# without the top 1 %, samples 1,000 architectures per setting, and summarises each file with
# tools/nb201_experiment_stats.py. Two jobs run side by side with one thread each (2-core machine).
# Usage: tools/nb201_experiments.sh [OUTDIR]     (≈ 30 min training + ≈ 20 min sampling on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/nb201}
mkdir -p "$out"
swift build -c release --product nasdiff
bin=.build/release/nasdiff
export NASDIFF_THREADS=1
common=(--space nb201 --fixed-edges --condition cifar10-valid:top5% --condition lat-pixel3:'<=p25'
        --steps 24000 --batch 64 --lr 1e-3 --checkpoint-every 1000 --validate-every 500)
[ -f "$out/main.safetensors" ] || $bin train "${common[@]}" --seed 1 --out "$out/main.safetensors" &
[ -f "$out/holdout.safetensors" ] || $bin train "${common[@]}" --seed 2 --holdout-top cifar10-valid:1% --out "$out/holdout.safetensors" &
wait
s() { $bin sample --count 1000 --seed 1 --quiet "$@"; }
s --checkpoint "$out/main.safetensors" --condition cifar10-valid --out "$out/top5-T500.jsonl" &
s --checkpoint "$out/holdout.safetensors" --condition cifar10-valid --out "$out/holdout-top5-T500.jsonl" &
wait
s --checkpoint "$out/main.safetensors" --condition cifar10-valid --condition lat-pixel3 --guidance composed --weight 1,2 --out "$out/top5-lat-composed-T500.jsonl" &
( for k in 100 50 20; do s --checkpoint "$out/main.safetensors" --condition cifar10-valid --steps $k --out "$out/top5-S$k.jsonl"; done
  s --checkpoint "$out/main.safetensors" --condition cifar10-valid --condition lat-pixel3 --steps 100 --out "$out/top5-lat-joint-S100.jsonl" ) &
wait
for f in "$out"/*.jsonl; do
  echo "== $f"
  case "$f" in *holdout*) python3 tools/nb201_experiment_stats.py "$f" --holdout-top 1;; *) python3 tools/nb201_experiment_stats.py "$f";; esac
done
