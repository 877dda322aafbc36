#!/usr/bin/env python3
"""The CPU path against eager PyTorch on the same cores (issue: the CPU path ahead of PyTorch's).

Runs each workload with nasdiff and with tools/reference/nasdiff_reference.py, interleaved (the order
alternates every round, so drift in the machine's speed falls on both), and reports medians and their
ratio. Also times the system BLAS's own cblas_sgemm at the model's GEMM shapes (through ctypes, the same
library nasdiff loads) against the rows of `nasdiff bench kernels --device cpu`.

Usage: tools/cpu_bench.py [--nasdiff BIN] [--rounds R] [--threads T] [--results Benchmarks/RESULTS.md]
With --results, the tables replace the section between the CPU-BENCH markers in that file.
"""
import argparse, ctypes, ctypes.util, os, re, statistics, subprocess, sys, time

WORKLOADS = [  # (label, nasdiff args, reference args, unit)
    ("`bench sample --preset small --batch 192 --steps 50`",
     ["bench", "sample", "--preset", "small", "--batch", "192", "--steps", "50", "--repetitions", "1"],
     ["bench", "--preset", "small", "--batch", "192", "--steps", "50", "--repetitions", "1"], "ms/arch"),
    ("`bench sample --preset dinas --batch 32 --steps 10`",
     ["bench", "sample", "--preset", "dinas", "--batch", "32", "--steps", "10", "--repetitions", "1"],
     ["bench", "--preset", "dinas", "--batch", "32", "--steps", "10", "--repetitions", "1"], "ms/arch"),
    ("`bench train --preset small --batch 64`",
     ["bench", "train", "--preset", "small", "--batch", "64", "--repetitions", "3"],
     ["bench-train", "--preset", "small", "--batch", "64", "--repetitions", "3"], "graphs/s"),
    ("`bench train --preset dinas --batch 32`",
     ["bench", "train", "--preset", "dinas", "--batch", "32", "--repetitions", "3"],
     ["bench-train", "--preset", "dinas", "--batch", "32", "--repetitions", "3"], "graphs/s"),
]


def measure(cmd, unit, env):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-2000:]}")
    pattern = r"= ([0-9.]+) ms per architecture" if unit == "ms/arch" else r"= ([0-9.]+) graphs/s"
    found = re.findall(pattern, out.stdout)
    if not found:
        sys.exit(f"no {unit} in the output of {' '.join(cmd)}:\n{out.stdout[-2000:]}")
    return float(found[-1])


def blas_rates(library, threads, repetitions=5):
    """GFLOP/s of cblas_sgemm itself at the model's linear shapes: forward (X·Wᵀ) and backward (dY·W plus dYᵀ·X)."""
    import numpy as np
    lib = ctypes.CDLL(library)
    if hasattr(lib, "openblas_set_num_threads"):
        lib.openblas_set_num_threads(threads)
    sgemm = lib.cblas_sgemm
    P = ctypes.POINTER(ctypes.c_float)
    sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, P, ctypes.c_int, P, ctypes.c_int, ctypes.c_float, P, ctypes.c_int]
    ROW, N, T = 101, 111, 112
    ptr = lambda a: a.ctypes.data_as(P)
    rates = {}
    for rows, i, o in [(24576, 128, 512), (24576, 512, 128), (3072, 512, 512), (3072, 512, 256), (384, 64, 2048), (384, 2048, 64)]:
        x, w = np.random.rand(rows, i).astype(np.float32), np.random.rand(o, i).astype(np.float32)
        y, dy = np.zeros((rows, o), np.float32), np.random.rand(rows, o).astype(np.float32)
        dx, dw = np.zeros((rows, i), np.float32), np.zeros((o, i), np.float32)
        def forward():
            sgemm(ROW, N, T, rows, o, i, 1.0, ptr(x), i, ptr(w), i, 0.0, ptr(y), o)
        def backward():
            sgemm(ROW, N, N, rows, i, o, 1.0, ptr(dy), o, ptr(w), i, 1.0, ptr(dx), i)
            sgemm(ROW, T, N, o, i, rows, 1.0, ptr(dy), o, ptr(x), i, 1.0, ptr(dw), i)
        flops = 2.0 * rows * i * o
        for name, f, work in [("forward", forward, flops), ("backward", backward, 2 * flops)]:
            f()
            calls = max(1, int(0.05 / max(1e-5, timed(f))))
            samples = sorted(timed(f, calls) for _ in range(repetitions))
            rates[(name, f"{rows}×{i}→{o}")] = work / statistics.median(samples) / 1e9
    return rates


def timed(f, calls=1):
    t0 = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - t0) / calls


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nasdiff", default=".build/release/nasdiff")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--blas", default="libopenblas.so.0", help="the BLAS nasdiff loads, for its own rates")
    p.add_argument("--results", help="Markdown file whose CPU-BENCH section to replace")
    args = p.parse_args()
    env = dict(os.environ)
    env.pop("NASDIFF_DEVICE", None)
    reference = [sys.executable, "tools/reference/nasdiff_reference.py", "--threads", str(args.threads)]
    ours = {w[0]: [] for w in WORKLOADS}
    torch = {w[0]: [] for w in WORKLOADS}
    twin = {w[0]: [] for w in WORKLOADS}
    for r in range(args.rounds):
        for label, nas, ref, unit in WORKLOADS:
            runs = [("ours", [args.nasdiff] + nas + ["--device", "cpu"]), ("twin", [args.nasdiff] + nas + ["--device", "swift"]),
                    ("torch", reference + ref)]
            if r % 2:
                runs.reverse()
            for who, cmd in runs:
                value = measure(cmd, unit, env)
                {"ours": ours, "torch": torch, "twin": twin}[who][label].append(value)
                print(f"round {r + 1} {who:5} {label}: {value} {unit}", file=sys.stderr, flush=True)

    lines = [f"Measured {time.strftime('%Y-%m-%d')} on this machine ({os.cpu_count()} cores), {args.rounds} interleaved rounds, "
             f"medians; nasdiff `--device cpu` (the CPU path) and `--device swift` (the pure-Swift twin) against "
             f"`tools/reference/nasdiff_reference.py --threads {args.threads}` (eager PyTorch, CPU).", "",
             "| workload | nasdiff CPU path | nasdiff Swift twin | eager PyTorch CPU | CPU path / PyTorch |", "|---|---|---|---|---|"]
    for label, _, _, unit in WORKLOADS:
        o, s, t = statistics.median(ours[label]), statistics.median(twin[label]), statistics.median(torch[label])
        ratio = t / o if unit == "ms/arch" else o / t
        lines.append(f"| {label} | {o:.1f} {unit} | {s:.1f} {unit} | {t:.1f} {unit} | **{ratio:.2f}×** |")

    # The GEMM comparison, interleaved the same way: one `bench kernels` and one direct timing per round.
    ours_gemm, own = {}, {}
    for r in range(args.rounds):
        for who in (["ours", "own"] if r % 2 == 0 else ["own", "ours"]):
            if who == "own":
                for key, rate in blas_rates(args.blas, args.threads).items():
                    own.setdefault(key, []).append(rate)
                continue
            kernel_out = subprocess.run([args.nasdiff, "bench", "kernels", "--device", "cpu", "--repetitions", "5"],
                                        capture_output=True, text=True, env=env, check=True).stdout
            for line in kernel_out.splitlines():
                m = re.match(r"linear (forward|backward), \S+ \S+\s+(\S+)\s+([0-9.]+) GFLOP/s", line)
                if m:
                    ours_gemm.setdefault((m.group(1), m.group(2)), []).append(float(m.group(3)))
        print(f"round {r + 1} GEMM rates", file=sys.stderr, flush=True)
    lines += ["", f"GEMM rows of `nasdiff bench kernels --device cpu` against `cblas_sgemm` of {args.blas} called directly "
              "(ctypes, same shapes and threads; backward = dY·W and dYᵀ·X, ours also sums the bias gradient), "
              f"medians of {args.rounds} interleaved rounds:", "",
              "| linear | shape | nasdiff GFLOP/s | BLAS's own GFLOP/s | share |", "|---|---|---|---|---|"]
    for (name, shape), rates in own.items():
        rate, got = statistics.median(rates), ours_gemm.get((name, shape))
        got = statistics.median(got) if got else None
        lines.append(f"| {name} | {shape} | {got:.1f} | {rate:.1f} | {got / rate:.0%} |" if got else f"| {name} | {shape} | ? | {rate:.1f} | |")
    table = "\n".join(lines)
    print(table)
    if args.results:
        text = open(args.results).read()
        begin, end = "<!-- CPU-BENCH BEGIN (tools/cpu-bench.sh) -->", "<!-- CPU-BENCH END -->"
        block = f"{begin}\n{table}\n{end}"
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S) if begin in text else text.rstrip() + "\n\n" + block + "\n"
        open(args.results, "w").write(text)


if __name__ == "__main__":
    main()
