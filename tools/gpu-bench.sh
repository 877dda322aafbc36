#!/usr/bin/env bash
# Every H100 measurement of issues 2 and 5 in one go, on a GPU machine without Swift: the static
# binary (tools/build-static.sh → dist/nasdiff) against the PyTorch reference, same machine, same run.
#   bash tools/gpu-bench.sh [stage ...]
# stages: info selftest kernels sample train parity profile (the default set), fusions simt variants tiles ab compiled
# Output goes to the terminal and to $OUT/gpu-bench.log (OUT defaults to /tmp/gpu-bench).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-bench}; mkdir -p "$OUT"
LOG="$OUT/gpu-bench.log"
NASDIFF=${NASDIFF:-dist/nasdiff}
PY=${PYTHON:-python3}
REF=tools/reference/nasdiff_reference.py

# NVIDIA ships libnvidia-opencl.so.1 but not always its ICD file: register it for this process only.
if [ -z "${OCL_ICD_VENDORS:-}" ] && [ ! -e /etc/OpenCL/vendors/nvidia.icd ] && [ -e /usr/lib/libnvidia-opencl.so.1 ]; then
    mkdir -p /tmp/nasdiff-icd && echo /usr/lib/libnvidia-opencl.so.1 > /tmp/nasdiff-icd/nvidia.icd
    export OCL_ICD_VENDORS=/tmp/nasdiff-icd
fi

run() {  # run LIMIT_S CMD...: print the command, run it with a time limit, keep its output in the log
    local limit=$1; shift
    echo "\$ $*" | tee -a "$LOG"
    timeout "$limit" "$@" 2>&1 | tee -a "$LOG"
    local rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] || echo "(exit $rc)" | tee -a "$LOG"
}

stage_info() {
    run 30 nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,power.limit,temperature.gpu --format=csv
    run 30 "$NASDIFF" devices
}
stage_selftest() { run 120 "$NASDIFF" selftest; }
stage_kernels() {  # tensor cores (the default on sm_80+ NVIDIA GPUs), then the float32 kernels
    run 120 "$NASDIFF" bench kernels --repetitions 20
    NASDIFF_TENSOR_CORES=0 run 120 "$NASDIFF" bench kernels --repetitions 20
}
stage_sample() {
    run 300 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --repetitions 3
    run 300 "$PY" "$REF" --device cuda bench --preset dinas --batch 192 --repetitions 3
}
stage_fusions() {  # sampling and training without the batched linears; then sampling also without the fused
                   # edge attention
    NASDIFF_BATCHED_LINEAR=0 run 300 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --repetitions 3
    NASDIFF_BATCHED_LINEAR=0 run 200 "$NASDIFF" bench train --preset dinas --space nb201 --batch 256 --steps 20 --repetitions 5
    NASDIFF_BATCHED_LINEAR=0 NASDIFF_FUSED_EDGE_ATTENTION=0 run 300 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --repetitions 3
}
stage_simt() {  # the same sampling and training workloads with the float32 GEMMs, for the ratio
    NASDIFF_TENSOR_CORES=0 run 300 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --repetitions 3
    NASDIFF_TENSOR_CORES=0 run 200 "$NASDIFF" bench train --preset dinas --space nb201 --batch 256 --steps 20 --repetitions 5
}
stage_train() {
    run 200 "$NASDIFF" bench train --preset dinas --space nb201 --batch 256 --steps 20 --repetitions 5
    run 200 "$PY" "$REF" --device cuda bench-train --preset dinas --batch 256 --steps 20 --repetitions 5
}
stage_parity() {
    local ckpt=/tmp/nasdiff-parity-dinas.safetensors
    run 200 "$NASDIFF" train --preset dinas --space nb201 --condition cifar10-valid:top5% --condition 'lat-pixel3:<=p25' \
        --steps 30 --batch 64 --validate-every 1000 --out "$ckpt"
    run 300 "$PY" tools/reference/parity.py --nasdiff "$NASDIFF" --swift-device opencl --ref-device cuda \
        --checkpoint "$ckpt" --checkpoint Models/nb201-small.safetensors --sample-steps 50 --sample-batch 32
}
stage_profile() {  # where the device time goes (short runs; NASDIFF_PROFILE=1 times every kernel)
    NASDIFF_PROFILE=1 run 200 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --steps 50 --repetitions 1
    NASDIFF_PROFILE=1 run 200 "$NASDIFF" bench train --preset dinas --space nb201 --batch 256 --steps 5 --repetitions 1
}
stage_variants() {  # tensor-core GEMM build options (Kernels/linear_tc.cl) on the model's shapes, with ptxas's report
    for opts in "" "-DTC_BK=16"; do
        echo "NASDIFF_TC_OPTIONS='$opts'" | tee -a "$LOG"
        NASDIFF_BUILD_LOG=1 NASDIFF_TC_OPTIONS="$opts -cl-nv-verbose" run 120 "$NASDIFF" bench kernels --repetitions 10 2>&1 \
            | grep -E -A1 "Compiling entry.*gemm_tc_nt|^linear|spill" | grep -v "^--"
    done
}
stage_tiles() {  # the float32 GEMMs' tile edge: the size-based choice against 64 everywhere (the tensor-core
                 # kernels come in 64-tiles only since this comparison was made for them, Benchmarks/RESULTS.md)
    for tile in "" 64; do
        export NASDIFF_TENSOR_CORES=0 NASDIFF_GEMM_TILE=$tile
        run 120 "$NASDIFF" bench kernels --repetitions 10
        run 120 "$NASDIFF" bench sample --preset dinas --space nb201 --batch 192 --steps 100 --repetitions 3
        run 120 "$NASDIFF" bench train --preset dinas --space nb201 --batch 256 --steps 20 --repetitions 3
    done
    unset NASDIFF_TENSOR_CORES NASDIFF_GEMM_TILE
}
stage_ab() {  # interleaved A/B on one machine: AB_A and AB_B are command prefixes (a binary, maybe after
              # `env X=Y`), each running `bench sample` and `bench train` in turn, AB_ROUNDS times (3), so that
              # drift during a call (later runs came out faster, whichever setting they had) hits both alike
    local rounds=${AB_ROUNDS:-3} r side cmd
    for r in $(seq "$rounds"); do
        for side in A B; do
            if [ "$side" = A ]; then cmd=$AB_A; else cmd=$AB_B; fi
            echo "ab round $r side $side: $cmd" | tee -a "$LOG"
            run 120 $cmd bench sample --preset dinas --space nb201 --batch 192 --repetitions 3
            run 120 $cmd bench train --preset dinas --space nb201 --batch 256 --steps 20 --repetitions 5
        done
    done
    tac "$LOG" | sed '/^== ab/q' | tac | awk '/^ab round/ { side = $5 } /^run: median/ { s[side] = s[side] " " $10 }
        /^step: median/ { t[side] = t[side] " " $3 }
        END { for (k in s) printf "ab %s ms/arch:%s; training ms/step:%s\n", k, s[k], t[k] }' | sort | tee -a "$LOG"
}
stage_compiled() {  # the bar a PyTorch user can reach with torch.compile
    run 240 "$PY" "$REF" --device cuda bench --preset dinas --batch 192 --repetitions 3 --compile
    run 180 "$PY" "$REF" --device cuda bench-train --preset dinas --batch 256 --steps 20 --repetitions 3 --compile
}

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(info selftest kernels sample train parity profile)
for s in "${stages[@]}"; do
    declare -F "stage_$s" > /dev/null || { echo "unknown stage '$s'; stages: $(declare -F | sed -n 's/.*stage_//p' | tr '\n' ' ')" >&2; exit 2; }
done
for s in "${stages[@]}"; do
    echo "== $s ($(date +%T))" | tee -a "$LOG"
    "stage_$s"
done
