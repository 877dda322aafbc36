#!/usr/bin/env python3
"""Predictor parity: our Swift noise-aware predictor (`nasdiff forward --predictor`) against the PyTorch
reference (nasdiff_reference.PredictorNet), same weights: the prediction AND its gradient with respect to
the one-hot inputs, which is what predictor guidance adds to each reverse step.

For each predictor file and each input case it writes a random noisy batch to a safetensors file, runs
`nasdiff forward --predictor` on it (one run per --swift-device; the Swift side runs its forward and its
explicit backward with the seed d prediction = 1 per graph), runs the reference in float32 and in float64
on the same file (autograd of Σ_g prediction_g), and prints the max abs errors of the prediction (the
network's standardised output) and of the input gradients d_x0, d_e0. As in parity.py, the float64 run
tells float32 rounding (Swift and the float32 reference both differ from float64 by about as much as from
each other) from a real mismatch (orders of magnitude more).

  python3 tools/reference/predictor_parity.py --predictor P.safetensors [--predictor P2 ...]
      [--swift-device swift --swift-device pocl] [--ref-device cuda] [--nasdiff dist/nasdiff]

Pass/fail (exit 1 on a failure), Swift against the float32 reference:
  prediction  max abs error <= --tolerance (default 1e-5; predictions are standardised, O(1))
  gradients   max abs error of d_x0 <= --grad-tolerance (default 1e-4) times max |d_x0| of the float64
              reference, and the same for d_e0 with its own max (each tensor relative to its own largest
              entry, so the smaller of the two is not judged by the larger one's scale)
  padding     d_x0 and d_e0 are exactly 0 on padded rows and pairs (Swift and reference)
and in the padded-junk case the Swift outputs must equal those of the same batch with its padding
zeroed (printed as "junk effect"; it must be exactly 0).

Input cases (G graphs each, one-hot X_t and symmetric E_t as the trainer builds them: classes uniform at
random, as heavy noise makes them, diagonal pairs class 0; y = t/T with t uniform in 0..T, T the
predictor's diffusionSteps, and t = 0 and t = T always present):
  all-real     every graph has maxNodes real nodes
  padded       random node counts in [1, maxNodes] (one full graph, one single-node graph); padded rows
               and pairs are all-zero (training inputs)
  padded-junk  the padded batch with one-hots in the padded rows and pairs, as the sampler feeds them
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nasdiff_reference as ref  # noqa: E402

CASES = ("all-real", "padded", "padded-junk")


def make_inputs(record: dict, case: str, graphs: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One batch. The padded-junk case takes the same rng draws as padded (call it with a copy of the rng
    the padded case used) and only adds one-hots in the padding, so the two can be compared."""
    c = record["model"]
    n, dX, T = c["maxNodes"], c["nodeClasses"], record["diffusionSteps"]
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
    t = rng.integers(0, T + 1, graphs)
    t[0], t[-1] = 0, T
    y = (t / T).astype(np.float32)[:, None]                  # Predictor.swift: y = Float(t) / Float(T)
    return {"x0": x0, "e0": e0, "y": y, "node_mask": mask}


def reference(model: ref.PredictorNet, inputs: dict, dtype: torch.dtype, device: str):
    m = copy.deepcopy(model).to(device=device, dtype=dtype)
    args = [torch.from_numpy(inputs[k]).to(device=device, dtype=dtype) for k in ("x0", "e0", "y", "node_mask")]
    pred, dx, de = m.prediction_and_input_gradients(*args)
    return tuple(v.double().cpu().numpy() for v in (pred, dx, de))


def swift(nasdiff: str, predictor: str, fin: str, fout: str, device: str):
    subprocess.run([nasdiff, "forward", "--predictor", predictor, "--inputs", fin, "--out", fout, "--device", device],
                   check=True, stderr=subprocess.DEVNULL)
    out, _ = ref.read_safetensors(fout)
    return tuple(out[k].astype(np.float64) for k in ("prediction", "d_x0", "d_e0"))


def padding_max(inputs: dict, dx: np.ndarray, de: np.ndarray) -> float:
    """max |gradient| on padded rows and pairs (must be 0)."""
    m = inputs["node_mask"]
    rows = m == 0
    pairs = (m[:, :, None] * m[:, None, :]) == 0
    return max(np.abs(dx[rows]).max(initial=0.0), np.abs(de[pairs]).max(initial=0.0))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--predictor", action="append", required=True, help="safetensors written by `nasdiff predictor train`")
    p.add_argument("--nasdiff", default=".build/release/nasdiff")
    p.add_argument("--swift-device", action="append", default=None, help="device(s) for nasdiff forward (default: swift)")
    p.add_argument("--ref-device", default="cpu", help="torch device of the float32 reference (float64 runs on cpu)")
    p.add_argument("--graphs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tolerance", type=float, default=1e-5, help="max abs error of the prediction")
    p.add_argument("--grad-tolerance", type=float, default=1e-4,
                   help="max abs error of d_x0 (d_e0) relative to the largest |d_x0| (|d_e0|) of the float64 reference")
    p.add_argument("--keep", help="folder to keep the inputs/outputs in (default: a temporary one)")
    a = p.parse_args()
    devices = a.swift_device or ["swift"]
    torch.set_num_threads(1)
    work = a.keep or tempfile.mkdtemp(prefix="nasdiff-predictor-parity-")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    worst_pred = worst_grad = 0.0
    failures: list[str] = []
    print("columns: |Swift − ref32|, |Swift − ref64|, |ref32 − ref64| (max abs); rel = |Swift − ref32| / max|d| of ref64")
    print(f"{'predictor':28} {'case':11} {'device':7} | {'pred':>8} {'sw-f64':>8} {'r32-f64':>8} | "
          f"{'d_x0':>8} {'sw-f64':>8} {'r32-f64':>8} {'max|d|':>8} {'rel':>8} | "
          f"{'d_e0':>8} {'sw-f64':>8} {'r32-f64':>8} {'max|d|':>8} {'rel':>8}")
    for path in a.predictor:
        r = ref.PredictorReference.load(path)
        c, rec = r.model.config, r.record
        print(f"# {path}: {rec['space']} {rec['metric']}, {c.layers} layers dx={c.dx} dy={c.dy} head={c.regressionHidden} "
              f"n={c.maxNodes} dX={c.nodeClasses}, T={rec['diffusionSteps']}, metric = prediction·{rec['std']:.4g} + {rec['mean']:.4g}")
        base = os.path.splitext(os.path.basename(path))[0]
        swift_out: dict[tuple[str, str], tuple] = {}
        padded_rng = None
        for case in CASES:
            if case == "padded":
                padded_rng = copy.deepcopy(rng)
            inputs = make_inputs(rec, case, a.graphs, padded_rng if case == "padded-junk" else rng)
            fin = os.path.join(work, f"{base}-{case}-in.safetensors")
            ref.write_safetensors(fin, inputs)
            p32 = reference(r.model, inputs, torch.float32, a.ref_device)
            p64 = reference(r.model, inputs, torch.float64, "cpu")
            for name, v in zip(("reference float32", "reference float64"), (p32, p64)):
                if padding_max(inputs, v[1], v[2]) != 0:
                    failures.append(f"{base} {case}: {name} has nonzero gradients on padding")
            for dev in devices:
                fout = os.path.join(work, f"{base}-{case}-{dev.replace(':', '')}-out.safetensors")
                s = swift(a.nasdiff, path, fin, fout, dev)
                swift_out[(case, dev)] = s
                err = [np.abs(s[k] - p32[k]).max() for k in range(3)]
                e64 = [np.abs(s[k] - p64[k]).max() for k in range(3)]
                r64 = [np.abs(p32[k] - p64[k]).max() for k in range(3)]
                scale = [np.abs(p64[k]).max() for k in (1, 2)]
                rel = [err[k + 1] / scale[k] if scale[k] > 0 else (0.0 if err[k + 1] == 0 else np.inf) for k in (0, 1)]
                worst_pred, worst_grad = max(worst_pred, err[0]), max(worst_grad, *rel)
                print(f"{base:28} {case:11} {dev:7} | {err[0]:8.1e} {e64[0]:8.1e} {r64[0]:8.1e} | "
                      f"{err[1]:8.1e} {e64[1]:8.1e} {r64[1]:8.1e} {scale[0]:8.1e} {rel[0]:8.1e} | "
                      f"{err[2]:8.1e} {e64[2]:8.1e} {r64[2]:8.1e} {scale[1]:8.1e} {rel[1]:8.1e}")
                if err[0] > a.tolerance:
                    failures.append(f"{base} {case} {dev}: prediction error {err[0]:.2e} > {a.tolerance:g}")
                for k, nm in ((0, "d_x0"), (1, "d_e0")):
                    if rel[k] > a.grad_tolerance:
                        failures.append(f"{base} {case} {dev}: {nm} relative error {rel[k]:.2e} > {a.grad_tolerance:g}")
                if (pad := padding_max(inputs, s[1], s[2])) != 0:
                    failures.append(f"{base} {case} {dev}: Swift gradient {pad:.2e} on padding (must be 0)")
        for dev in devices:
            junk, clean = swift_out[("padded-junk", dev)], swift_out[("padded", dev)]
            effect = max(np.abs(j - k).max() for j, k in zip(junk, clean))
            print(f"{base:28} junk effect {dev:7}: max |Swift(padded-junk) − Swift(padded)| over prediction and gradients = {effect:.1e}")
            if effect != 0:
                failures.append(f"{base} {dev}: the padding's contents change the Swift outputs by {effect:.2e}")
    for f in failures:
        print(f"FAIL {f}")
    ok = not failures
    print(f"worst Swift vs reference (float32): prediction {worst_pred:.2e} (tolerance {a.tolerance:g}), "
          f"gradients {worst_grad:.2e} of the largest (tolerance {a.grad_tolerance:g}) -> {'ok' if ok else 'FAIL'}")
    if not a.keep:
        print(f"inputs and outputs in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
