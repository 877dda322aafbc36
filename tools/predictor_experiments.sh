#!/usr/bin/env bash
# Regenerates the predictor-guidance tables of Benchmarks/RESULTS.md (DiffusionNAG's guidance on our
# discrete diffusion): every row side by side with unguided sampling, the same predictor ranking every
# cell, random search of the same size and, on NB201, classifier-free guidance with the trained
# cifar10-valid condition. Seeds, medians, one results file; the table is written by
# tools/predictor_experiments_table.py.
#
#   tools/predictor_experiments.sh [STAGE ...]     stages: sweep nb201 raspi4 transnas (default: all)
#   SEEDS="1 2 3 4 5" STEPS=50 COUNT=192 OUT=runs/predictor-experiments tools/predictor_experiments.sh
#   ROWS='default' tools/predictor_experiments.sh nb201     # only the rows whose name matches (a regex)
#
# Every run appends one JSON line to $OUT/results.jsonl; a stage run again appends again (the table
# takes the newest line of each row, metric and seed). Predictors are cached in $OUT by metric and seed.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2 3 4 5"}; STEPS=${STEPS:-50}; COUNT=${COUNT:-192}; OUT=${OUT:-runs/predictor-experiments}
LAMBDAS=${LAMBDAS:-"10 30 60 100"}; ROWS=${ROWS:-.}
stages=${*:-sweep nb201 raspi4 transnas}
mkdir -p "$OUT"
swift build -c release --product nasdiff >/dev/null
cp .build/release/nasdiff "$OUT/nasdiff"    # a copy: rebuilding during a long run must not change it
bin=$OUT/nasdiff
nb201=Models/nb201-small.safetensors
transnas=Models/transnas-micro-small.safetensors
results=$OUT/results.jsonl

# record STAGE ROW METRIC SEED SAMPLES [MS_PER_ARCH] [extra stats args]
record() {
  local stage=$1 row=$2 metric=$3 seed=$4 samples=$5 ms=${6:-null}; shift 6 || shift $#
  local stats
  stats=$(python3 tools/guidance_stats.py "$samples" --metric "$metric" "$@")
  echo "{\"stage\": \"$stage\", \"row\": \"$row\", \"metric\": \"$metric\", \"seed\": $seed, \"ms_per_arch\": $ms, \"stats\": $stats}" >> "$results"
  echo "$stage | $row | $metric | seed $seed | $stats"
}

# sample CHECKPOINT OUTFILE ARGS... → prints ms per architecture
sample() {
  local ckpt=$1 out=$2; shift 2
  "$bin" sample --checkpoint "$ckpt" --count "$COUNT" --steps "$STEPS" --out "$out" --quiet "$@" 2>&1 \
    | grep -oE '[0-9.]+ ms per architecture' | grep -oE '^[0-9.]+'
}

# predictor CHECKPOINT METRIC SEED LABELS → path of a cached predictor
predictor() {
  local ckpt=$1 metric=$2 seed=$3 labels=$4 path="$OUT/pred-$(basename "$1" .safetensors)-$2-$4-s$3.safetensors"
  [ -f "$path" ] || "$bin" predictor train --checkpoint "$ckpt" --metric "$metric" --table-sample "$labels" --seed "$seed" \
                      --out "$path" --quiet >/dev/null 2>&1
  echo "$path"
}

random_cells() {   # random_cells SPACE SEED OUTFILE: COUNT distinct random cells of the table as JSON lines
  python3 - "$@" "$COUNT" <<'EOF'
import csv, json, random, sys, os
space, seed, out, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
if space == "nb201":
    path, key = "Data/nb201/nb201_accuracy.csv", "arch_str"
else:
    path, key = "Data/transnas101/transnas101_micro_val_acc.csv", "naslib_arch_tuple"
archs = [r[key] for r in csv.DictReader(open(path))]
random.Random(seed).shuffle(archs)
with open(out, "w") as f:
    for a in archs[:count]: f.write(json.dumps({"arch": a, "valid": True}) + "\n")
EOF
}

want() { [[ $1 =~ $ROWS ]]; }   # want ROW: whether this run includes the row

tmp=$OUT/tmp.jsonl
for stage in $stages; do
  case $stage in
  sweep)   # λ for both modes, NB201 cifar100, predictor from 100 labels
    for seed in $SEEDS; do
      p=$(predictor $nb201 cifar100 "$seed" 100)
      for mode in exact first-order; do
        for lam in $LAMBDAS; do
          r="$mode λ=$lam"; want "$r" || continue
          ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p" --predictor-guidance $mode --predictor-weight "$lam")
          record sweep "$r" cifar100 "$seed" $tmp "$ms"
        done
      done
    done ;;
  nb201)   # new metrics the model was never conditioned on
    for metric in cifar100 imagenet16-120; do
      for seed in $SEEDS; do
        p=$(predictor $nb201 $metric "$seed" 100)
        r=unguided; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed"); record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r=random; want "$r" && { random_cells nb201 "$seed" $tmp; record nb201 "$r" $metric "$seed" $tmp null; }
        r=predictor-rank; want "$r" && { "$bin" predictor rank --checkpoint $nb201 --predictor "$p" --count "$COUNT" --out $tmp 2>/dev/null
                                         record nb201 "$r" $metric "$seed" $tmp null; }
        r="cfg cifar10-valid"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --condition cifar10-valid); record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r="guided (default)"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p"); record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r="guided exact λ=60"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p" --predictor-guidance exact --predictor-weight 60)
                                             record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r="guided first-order λ=60"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p" --predictor-weight 60)
                                                   record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r="guided (default) + cfg cifar10-valid"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p" --condition cifar10-valid)
                                                                record nb201 "$r" $metric "$seed" $tmp "$ms"; }
        r="guided exact λ=60 + cfg cifar10-valid"; want "$r" && {
          ms=$(sample $nb201 $tmp --seed "$seed" --predictor "$p" --predictor-guidance exact --predictor-weight 60 --condition cifar10-valid)
          record nb201 "$r" $metric "$seed" $tmp "$ms"; }
      done
    done ;;
  raspi4)  # accuracy by the trained condition, latency on a device it never saw by a predictor
    for seed in $SEEDS; do
      p=$(predictor $nb201 lat-raspi4 "$seed" 100)
      r="cfg cifar10-valid"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --condition cifar10-valid)
                                            record raspi4 "$r" cifar10-valid "$seed" $tmp "$ms" --bound lat-raspi4:p25; }
      r="cfg cifar10-valid + raspi4 predictor (default)"; want "$r" && { ms=$(sample $nb201 $tmp --seed "$seed" --condition cifar10-valid --predictor "$p")
                                                                         record raspi4 "$r" cifar10-valid "$seed" $tmp "$ms" --bound lat-raspi4:p25; }
      for lam in 10 20 60; do
        r="cfg cifar10-valid + raspi4 predictor exact λ=$lam"; want "$r" && {
          ms=$(sample $nb201 $tmp --seed "$seed" --condition cifar10-valid --predictor "$p" --predictor-guidance exact --predictor-weight $lam)
          record raspi4 "$r" cifar10-valid "$seed" $tmp "$ms" --bound lat-raspi4:p25; }
      done
    done ;;
  transnas) # the bundled unconditional TransNAS micro model, a predictor from 50 labels per task
    for task in class-scene class-object jigsaw segmentsemantic room-layout normal autoencoder; do
      for seed in $SEEDS; do
        p=$(predictor $transnas $task "$seed" 50)
        r=unguided; want "$r" && { ms=$(sample $transnas $tmp --seed "$seed"); record transnas "$r" $task "$seed" $tmp "$ms"; }
        r=random; want "$r" && { random_cells transnas "$seed" $tmp; record transnas "$r" $task "$seed" $tmp null; }
        r=predictor-rank; want "$r" && { "$bin" predictor rank --checkpoint $transnas --predictor "$p" --count "$COUNT" --out $tmp 2>/dev/null
                                         record transnas "$r" $task "$seed" $tmp null; }
        r="guided (default)"; want "$r" && { ms=$(sample $transnas $tmp --seed "$seed" --predictor "$p"); record transnas "$r" $task "$seed" $tmp "$ms"; }
        r="guided exact λ=60"; want "$r" && { ms=$(sample $transnas $tmp --seed "$seed" --predictor "$p" --predictor-guidance exact --predictor-weight 60)
                                             record transnas "$r" $task "$seed" $tmp "$ms"; }
      done
    done ;;
  *) echo "unknown stage $stage (sweep nb201 raspi4 transnas)" >&2; exit 2 ;;
  esac
done
rm -f $tmp
python3 tools/predictor_experiments_table.py "$results"
