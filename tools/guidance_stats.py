#!/usr/bin/env python3
"""Summarise `nasdiff sample` / `nasdiff predictor rank` output for the predictor-guidance experiments.

Reads the JSON lines and the benchmark CSVs under Data/ directly (no nasdiff code), so its numbers are
an independent check of the tool's own summary. Prints one JSON object:
  valid, validity, distinct (valid cells), top5 (share of valid samples in the metric's top 5 % of the
  table), best, optimum (1 if the table's best cell was sampled), and with --bound METRIC:pQ the share
  of valid samples at or under that metric's Q-th percentile, the best metric among them and the table's
  best under the same bound.
Usage: guidance_stats.py SAMPLES.jsonl --metric cifar100 [--bound lat-raspi4:p25]
"""
import argparse, csv, json, os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Data")
NB201 = {"cifar10-valid": "cifar10valid_valid_acc_200ep_mean", "cifar100": "cifar100_valtest_acc_200ep_mean",
         "imagenet16-120": "imagenet16_valtest_acc_200ep_mean"}
TRANSNAS = {"class-scene": "class_scene", "class-object": "class_object", "jigsaw": "jigsaw",
            "segmentsemantic": "segmentsemantic", "room-layout": "room_layout", "normal": "normal",
            "autoencoder": "autoencoder"}


def column(metric):
    """{standard string: value} and whether higher is better."""
    if metric in TRANSNAS:
        path, key, col = os.path.join(DATA, "transnas101", "transnas101_micro_val_acc.csv"), "naslib_arch_tuple", TRANSNAS[metric]
    elif metric in NB201:
        path, key, col = os.path.join(DATA, "nb201", "nb201_accuracy.csv"), "arch_str", NB201[metric]
    elif metric.startswith("lat-"):
        path, key, col = os.path.join(DATA, "nb201", "nb201_hardware.csv"), "arch_str", "lat_ms_" + metric[4:].replace("-", "_") + "_help"
    else:
        raise SystemExit(f"unknown metric {metric}")
    with open(path) as f:
        values = {r[key]: float(r[col]) for r in csv.DictReader(f) if r[col] not in ("", "nan")}
    return values, not metric.startswith("lat-")


def quantile(xs, q):  # numpy's default (linear)
    s = sorted(xs); p = q * (len(s) - 1); lo = int(p); hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (p - lo)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("samples"); ap.add_argument("--metric", required=True); ap.add_argument("--bound")
    a = ap.parse_args()
    values, higher = column(a.metric)
    rows = [json.loads(l) for l in open(a.samples) if l.strip()]
    valid = [r["arch"] for r in rows if r.get("valid") and r.get("arch") in values]
    table = list(values.values())
    cut = quantile(table, 0.95 if higher else 0.05)
    good = (lambda v: v >= cut) if higher else (lambda v: v <= cut)
    best_of = max if higher else min
    got = [values[s] for s in valid]
    out = {"samples": len(rows), "valid": len(valid), "validity": len(valid) / max(len(rows), 1),
           "distinct": len(set(valid)), "top5": sum(map(good, got)) / max(len(got), 1),
           "best": best_of(got) if got else None, "table_best": best_of(table),
           "optimum": int(bool(got) and best_of(got) == best_of(table))}
    if a.bound:
        bmetric, q = a.bound.split(":p")
        bvalues, _ = column(bmetric)
        bcut = quantile(list(bvalues.values()), float(q) / 100)
        feasible = [s for s in valid if bvalues.get(s, float("inf")) <= bcut]
        table_feasible = [v for s, v in values.items() if bvalues.get(s, float("inf")) <= bcut]
        out.update({"feasible": len(feasible) / max(len(valid), 1), "bound_cut": bcut,
                    "best_feasible": best_of([values[s] for s in feasible]) if feasible else None,
                    "table_best_feasible": best_of(table_feasible)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
