#!/usr/bin/env python3
"""Forward parity: our Swift denoiser (`nasdiff forward`) against the PyTorch reference, same weights.

For each checkpoint and each input case it writes a random noisy batch to a safetensors file, runs
`nasdiff forward` on it (one run per --swift-device), runs the reference in float32 and in float64 on
the same file, and prints the max abs error of the x and e logits. The float64 run tells how much of
a difference is float32 rounding (both sides in float32 differ from float64 by about as much as from
each other) and how much would be a real mismatch (orders of magnitude more). Exit status 1 when an
error exceeds --tolerance (default 1e-4, issue 5's target).

  python3 tools/reference/parity.py --checkpoint CKPT [--checkpoint CKPT2 ...] [--swift-device swift --swift-device pocl]
      [--ref-device cuda] [--nasdiff dist/nasdiff] [--sample-steps 100]

Input cases (G graphs each, one-hot X_t and symmetric E_t as the trainer builds them, random y blocks
with some conditions dropped to null, random t/T):
  all-real   every graph has maxNodes real nodes
  padded     random node counts in [1, maxNodes]; padded rows and pairs are all-zero (training inputs)
  padded-junk  the same node counts, but padded rows and pairs hold one-hots, as the sampler feeds them
               (the model must ignore them: the Swift and reference outputs must not depend on them)

With --sample-steps S (> 0) it also compares whole guided sampling runs: `nasdiff sample` against the
reference sampler with the Swift random streams (--rng philox: SplitMix64 node counts, Philox draws),
joint guidance w = 2 on every condition of the checkpoint, the same seed. Identical graphs are expected
except where a float32 difference moves a draw across a CDF boundary (then that graph's trajectory
diverges from that step on).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nasdiff_reference as ref  # noqa: E402


def make_inputs(record: dict, case: str, graphs: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    c = record["model"]
    n, dX, W = c["maxNodes"], c["nodeClasses"], c["conditionWidth"]
    timestep = record["training"].get("timestep", True)
    counts = np.full(graphs, n) if case == "all-real" else rng.integers(1, n + 1, graphs)
    if case != "all-real":
        counts[0] = n          # keep one full graph and one single-node graph in every padded batch
        counts[-1] = 1
    mask = (np.arange(n)[None, :] < counts[:, None]).astype(np.float32)
    x0 = np.eye(dX, dtype=np.float32)[rng.integers(0, dX, (graphs, n))]
    upper = np.triu(rng.integers(0, 2, (graphs, n, n)), 1)
    pairs = upper + upper.transpose(0, 2, 1)                 # symmetric, diagonal 0 = "no edge"
    e0 = np.eye(2, dtype=np.float32)[pairs]
    if case != "padded-junk":
        x0 *= mask[:, :, None]
        e0 *= (mask[:, :, None] * mask[:, None, :])[..., None]
    y = np.zeros((graphs, W), dtype=np.float32)
    col = 0
    for cond in record["conditions"]:
        width = ref.condition_width(cond)
        for g in range(graphs):
            if rng.random() >= 0.3:                           # 30 % dropped to null, as CFG training does
                y[g, col + rng.integers(0, width)] = 1
        col += width
    if timestep:
        y[:, W - 1] = rng.integers(0, record["schedule"]["steps"] + 1, graphs) / record["schedule"]["steps"]
    return {"x0": x0, "e0": e0, "y": y, "node_mask": mask}


def reference_forward(model: ref.GraphTransformer, inputs: dict, dtype: torch.dtype, device: str = "cpu"):
    m = model.to(device=device, dtype=dtype)
    args = [torch.from_numpy(inputs[k]).to(device=device, dtype=dtype) for k in ("x0", "e0", "y", "node_mask")]
    with torch.inference_mode():
        xl, el = m(*args)
    return xl.double().cpu().numpy(), el.double().cpu().numpy()


def compare_sampling(nasdiff: str, ckpt: str, r: ref.Reference, batch: int, steps: int, seed: int, work: str,
                     swift_device: str = "swift") -> None:
    metrics = [c["metric"] for c in r.record["conditions"]]
    out = os.path.join(work, os.path.splitext(os.path.basename(ckpt))[0] + "-swift-samples.jsonl")
    cmd = [nasdiff, "sample", "--checkpoint", ckpt, "--count", str(batch), "--batch", str(batch), "--steps", str(steps),
           "--seed", str(seed), "--weight", "2", "--out", out, "--quiet", "--device", swift_device]
    for m in metrics:
        cmd += ["--condition", m]
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    swift = [json.loads(line) for line in open(out) if line.strip()]
    zx, ze, counts = r.sample(batch, steps, r.targets(metrics), "joint", [2.0], seed=seed, rng="philox")
    same_graphs = same_nodes = nodes = same_pairs = pairs = same_counts = 0
    for g, s in enumerate(swift):
        m = len(s["ops"])
        same_counts += int(m == int(counts[g]))
        ops = zx[g, :m].tolist()
        adj = [[int(ze[g, i, j]) if i < j else 0 for j in range(m)] for i in range(m)]
        sadj = [[s["adjacency"][i][j] if i < j else 0 for j in range(m)] for i in range(m)]
        same_nodes += sum(int(a == b) for a, b in zip(ops, s["ops"]))
        nodes += m
        same_pairs += sum(int(adj[i][j] == sadj[i][j]) for i in range(m) for j in range(i + 1, m))
        pairs += m * (m - 1) // 2
        same_graphs += int(ops == s["ops"] and adj == sadj)
    print(f"sampling {os.path.basename(ckpt)}: batch {batch}, {steps} steps, conditions {metrics}, seed {seed}: "
          f"node counts equal {same_counts}/{len(swift)}, identical graphs {same_graphs}/{len(swift)}, "
          f"node classes equal {same_nodes}/{nodes}, pairs equal {same_pairs}/{pairs}"
          + (" (edges fixed)" if r.record.get("fixedEdges") else ""))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", action="append", required=True)
    p.add_argument("--nasdiff", default=".build/release/nasdiff")
    p.add_argument("--swift-device", action="append", default=None, help="device(s) for nasdiff forward (default: swift)")
    p.add_argument("--ref-device", default="cpu", help="torch device of the float32 reference (float64 runs on cpu)")
    p.add_argument("--graphs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--keep", help="folder to keep the inputs/outputs in (default: a temporary one)")
    p.add_argument("--sample-steps", type=int, default=0, help="also compare sampling runs of this many steps")
    p.add_argument("--sample-batch", type=int, default=16)
    a = p.parse_args()
    devices = a.swift_device or ["swift"]
    torch.set_num_threads(1)
    work = a.keep or tempfile.mkdtemp(prefix="nasdiff-parity-")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    worst = 0.0
    print(f"{'checkpoint':28} {'case':12} {'device':8} {'max|dx| x':>11} {'max|dx| e':>11} "
          f"{'swift-f64 x':>11} {'swift-f64 e':>11} {'ref32-f64 x':>11} {'ref32-f64 e':>11} {'max|logit|':>10}")
    for ckpt in a.checkpoint:
        r = ref.Reference.load(ckpt)
        sched = r.record["schedule"]
        drift = np.abs(np.asarray(sched["alphaBars"]) - ref.cosine_alpha_bars(sched["steps"])).max()
        print(f"# {ckpt}: {r.model.config.layers} layers dx={r.model.config.dx} n={r.model.config.maxNodes} "
              f"W={r.model.config.conditionWidth}; schedule vs reference cosine: max diff {drift:.1e}")
        base = os.path.splitext(os.path.basename(ckpt))[0]
        for case in ("all-real", "padded", "padded-junk"):
            inputs = make_inputs(r.record, case, a.graphs, rng)
            fin = os.path.join(work, f"{base}-{case}-in.safetensors")
            ref.write_safetensors(fin, inputs)
            x32, e32 = reference_forward(r.model, inputs, torch.float32, a.ref_device)
            x64, e64 = reference_forward(r.model, inputs, torch.float64, "cpu")
            for dev in devices:
                fout = os.path.join(work, f"{base}-{case}-{dev.replace(':', '')}-out.safetensors")
                subprocess.run([a.nasdiff, "forward", "--checkpoint", ckpt, "--inputs", fin, "--out", fout,
                                "--device", dev], check=True, stderr=subprocess.DEVNULL)
                out, _ = ref.read_safetensors(fout)
                sx, se = out["x_logits"].astype(np.float64), out["e_logits"].astype(np.float64)
                ex, ee = np.abs(sx - x32).max(), np.abs(se - e32).max()
                worst = max(worst, ex, ee)
                print(f"{base:28} {case:12} {dev:8} {ex:11.2e} {ee:11.2e} {np.abs(sx - x64).max():11.2e} "
                      f"{np.abs(se - e64).max():11.2e} {np.abs(x32 - x64).max():11.2e} {np.abs(e32 - e64).max():11.2e} "
                      f"{max(np.abs(sx).max(), np.abs(se).max()):10.2f}")
    if a.sample_steps > 0:
        for ckpt in a.checkpoint:
            compare_sampling(a.nasdiff, ckpt, ref.Reference.load(ckpt, a.ref_device), a.sample_batch, a.sample_steps,
                             a.seed, work, devices[0])
    ok = worst <= a.tolerance
    print(f"worst max abs error Swift vs reference (float32): {worst:.2e} -> {'ok' if ok else 'FAIL'} (tolerance {a.tolerance:g})")
    if not a.keep:
        print(f"inputs and outputs in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
