#!/usr/bin/env bash
# Regenerates the search tables of Benchmarks/RESULTS.md: `nasdiff search` with the table evaluator,
# every strategy side by side (diffusion, predictor-rank, evolution, random), seeds, medians.
#
#   tools/search_experiments.sh [STAGE ...]        stages: nb201 transnas (default: both)
#   SEEDS="0 1 2 3 4 5 6 7 8 9" JOBS=2 OUT=runs/search-experiments tools/search_experiments.sh nb201
#   STRATEGIES="diffusion random" METRICS="cifar100" tools/search_experiments.sh nb201
#
# Each run is a directory $OUT/STAGE/METRIC/STRATEGY-sSEED; a run whose summary.json exists is not run
# again, so the script can be stopped and started. Runs stop once the table's optimum is evaluated
# (--stop-at-optimum): after it the best-so-far curve is flat, and the table counts it so.
# The table: tools/search_experiments_table.py (called at the end); curves: nasdiff search --compare.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"0 1 2 3 4 5 6 7 8 9"}; JOBS=${JOBS:-2}; OUT=${OUT:-runs/search-experiments}
STRATEGIES=${STRATEGIES:-"random evolution predictor-rank diffusion"}
stages=${*:-nb201 transnas}
mkdir -p "$OUT"
swift build -c release --product nasdiff >/dev/null
cp .build/release/nasdiff "$OUT/nasdiff"    # a copy: rebuilding during a long run must not change it

jobs=$OUT/jobs.txt
: > "$jobs"
for stage in $stages; do
  case $stage in
    nb201)    ckpt=Models/nb201-small.safetensors; budget=200; metrics=${METRICS:-"cifar10-valid cifar100 imagenet16-120"} ;;
    transnas) ckpt=Models/transnas-micro-small.safetensors; budget=100
              metrics=${METRICS:-"class-scene class-object jigsaw segmentsemantic room-layout normal autoencoder"} ;;
    *) echo "unknown stage $stage (nb201, transnas)" >&2; exit 2 ;;
  esac
  for metric in $metrics; do for strategy in $STRATEGIES; do for seed in $SEEDS; do
    dir=$OUT/$stage/$metric/$strategy-s$seed
    [ -f "$dir/summary.json" ] && grep -q '"evaluations"' "$dir/summary.json" && [ ! -f "$dir/.running" ] && continue
    echo "$dir $ckpt $metric $strategy $seed $budget" >> "$jobs"
  done; done; done
done
echo "$(wc -l < "$jobs") runs to do, $JOBS at a time" >&2

run_one() {
  local dir=$1 ckpt=$2 metric=$3 strategy=$4 seed=$5 budget=$6 resume=""
  [ -f "$dir/settings.json" ] && resume=--resume
  mkdir -p "$dir"; touch "$dir/.running"
  if "$OUT/nasdiff" search --checkpoint "$ckpt" --metric "$metric" --strategy "$strategy" --seed "$seed" --budget "$budget" \
       --stop-at-optimum --quiet --out "$dir" $resume 2> "$dir/stderr.log"; then
    rm -f "$dir/.running"; echo "$(tail -2 "$dir/stderr.log" | head -1)  [$dir]" >&2
  else
    echo "FAILED: $dir (see $dir/stderr.log)" >&2
  fi
}
export -f run_one; export OUT
# Sampling and predictor fits use every core of the Swift backend; JOBS runs side by side on top.
xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _ < "$jobs"

python3 tools/search_experiments_table.py "$OUT"
for stage in $stages; do for d in "$OUT/$stage"/*/; do
  metric=$(basename "$d")
  "$OUT/nasdiff" search --compare "$d"/*/ --out "$OUT/$stage-$metric.svg" 2>/dev/null || true
done; done
