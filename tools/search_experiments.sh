#!/usr/bin/env bash
# Regenerates the search tables of Benchmarks/RESULTS.md: `nasdiff search` with the table evaluator,
# every strategy side by side (diffusion, predictor-rank, evolution, random), seeds, medians.
#
#   tools/search_experiments.sh [STAGE ...]        stages: nb201 transnas (default: both)
#   SEEDS="0 1 2 3 4 5 6 7 8 9" JOBS=2 OUT=runs/search-experiments tools/search_experiments.sh nb201
#   STRATEGIES="diffusion random" METRICS="cifar100" tools/search_experiments.sh nb201
#   VARIANTS="diffusion-cand300:diffusion:--candidates 300;diffusion-lambda30:diffusion:--predictor-weight 30" \
#     METRICS=cifar100 STRATEGIES= tools/search_experiments.sh nb201    # extra rows: LABEL:STRATEGY:FLAGS
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
  # One row per strategy with its defaults, and one per variant (a label, a strategy and extra flags).
  rows=()
  for strategy in $STRATEGIES; do rows+=("$strategy:$strategy:"); done
  IFS=';' read -r -a variants <<< "${VARIANTS:-}"
  rows+=("${variants[@]}")
  for metric in $metrics; do for row in "${rows[@]}"; do [ -n "$row" ] || continue
    IFS=':' read -r label strategy flags <<< "$row"
    for seed in $SEEDS; do
      dir=$OUT/$stage/$metric/$label-s$seed
      [ -f "$dir/summary.json" ] && grep -q '"evaluations"' "$dir/summary.json" && [ ! -f "$dir/.running" ] && continue
      echo "$dir|$ckpt|$metric|$strategy|$seed|$budget|$flags" >> "$jobs"
    done
  done; done
done
echo "$(wc -l < "$jobs") runs to do, $JOBS at a time" >&2

run_one() {
  local dir ckpt metric strategy seed budget flags resume=""
  IFS='|' read -r dir ckpt metric strategy seed budget flags <<< "$1"
  [ -f "$dir/settings.json" ] && resume=--resume
  mkdir -p "$dir"; touch "$dir/.running"
  # $flags unquoted on purpose: a variant's extra flags, split into words.
  if "$OUT/nasdiff" search --checkpoint "$ckpt" --metric "$metric" --strategy "$strategy" --seed "$seed" --budget "$budget" \
       --stop-at-optimum --quiet --out "$dir" $flags $resume 2> "$dir/stderr.log"; then
    rm -f "$dir/.running"; echo "$(tail -2 "$dir/stderr.log" | head -1)  [$dir]" >&2
  else
    echo "FAILED: $dir (see $dir/stderr.log)" >&2
  fi
}
export -f run_one; export OUT
# Sampling and predictor fits use every core of the Swift backend; JOBS runs side by side on top.
tr '\n' '\0' < "$jobs" | xargs -0 -P "$JOBS" -n 1 bash -c 'run_one "$1"' _

python3 tools/search_experiments_table.py "$OUT"
for stage in $stages; do for d in "$OUT/$stage"/*/; do
  metric=$(basename "$d")
  "$OUT/nasdiff" search --compare "$d"/*/ --out "$OUT/$stage-$metric.svg" 2>/dev/null || true
done; done
