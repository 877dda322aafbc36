#!/usr/bin/env python3
"""Summarise `nasdiff sample` output for the NB201 experiments of Benchmarks/RESULTS.md.

Reads the JSON lines and Data/nb201/*.csv directly (no nasdiff code), so the numbers are an
independent check of the sampler's own summary. Usage:
  nb201_experiment_stats.py SAMPLES.jsonl [--holdout-top 1] [--latency-p 25]
"""
import csv, json, sys, argparse, os

root = os.path.join(os.path.dirname(__file__), "..", "Data", "nb201")
acc = {}
with open(os.path.join(root, "nb201_accuracy.csv")) as f:
    for r in csv.DictReader(f):
        acc[r["arch_str"]] = float(r["cifar10valid_valid_acc_200ep_mean"])
lat = {}
with open(os.path.join(root, "nb201_hardware.csv")) as f:
    for r in csv.DictReader(f):
        lat[r["arch_str"]] = float(r["lat_ms_pixel3_help"])

def quantile(xs, q):  # numpy's default (linear)
    s = sorted(xs); p = q * (len(s) - 1); lo = int(p); hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (p - lo)

ap = argparse.ArgumentParser()
ap.add_argument("samples"); ap.add_argument("--holdout-top", type=float); ap.add_argument("--latency-p", type=float, default=25)
a = ap.parse_args()
rows = [json.loads(l) for l in open(a.samples) if l.strip()]
valid = [r["arch"] for r in rows if r.get("valid")]
accs = [acc[s] for s in valid]
p95 = quantile(list(acc.values()), 0.95)
lat_cut = quantile(list(lat.values()), a.latency_p / 100)
first192 = [acc[r["arch"]] for r in rows[:192] if r.get("valid")]
out = {
    "samples": len(rows), "valid": len(valid), "validity": len(valid) / len(rows),
    "unique_strings": len(set(valid)),
    "mean_acc_valid": sum(accs) / max(len(accs), 1), "table_p95_acc": p95,
    "frac_top5": sum(x >= p95 for x in accs) / max(len(accs), 1),
    "best_first_192": max(first192) if first192 else None,
    "frac_latency_ok": sum(lat[s] <= lat_cut for s in valid) / max(len(valid), 1), "latency_cut_ms": lat_cut,
}
if a.holdout_top:
    ranked = sorted(acc, key=lambda s: -acc[s])
    held = set(ranked[: round(len(ranked) * a.holdout_top / 100)])
    out["in_heldout_top"] = sum(s in held for s in valid)
    out["heldout_size"] = len(held)
print(json.dumps(out, indent=1))
