#!/usr/bin/env python3
"""Turns tools/predictor_experiments.sh's results.jsonl into the markdown tables of Benchmarks/RESULTS.md
(between the predictor-experiments markers): medians over seeds, the optimum counted over seeds.
Usage: predictor_experiments_table.py RESULTS.jsonl [--results Benchmarks/RESULTS.md]"""
import argparse, json, os, statistics

BEGIN, END = "<!-- predictor-experiments:begin -->", "<!-- predictor-experiments:end -->"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results"); ap.add_argument("--results-md", default=os.path.join(os.path.dirname(__file__), "..", "Benchmarks", "RESULTS.md"))
    a = ap.parse_args()
    newest = {}
    for line in open(a.results):
        if line.strip():
            r = json.loads(line)
            newest[(r["stage"], r["row"], r["metric"], r["seed"])] = r
    groups = {}
    for (stage, row, metric, seed), r in newest.items():
        groups.setdefault((stage, metric, row), []).append(r)

    def table(stage, metrics, rows, columns):
        out = []
        for metric in metrics:
            out.append(f"\n**{metric}**\n")
            out.append("| " + " | ".join(["row", "seeds"] + [c[0] for c in columns]) + " |")
            out.append("|" + "---|" * (len(columns) + 2))
            for row in rows:
                rs = groups.get((stage, metric, row))
                if not rs: continue
                out.append("| " + " | ".join([row, str(len(rs))] + [c[1](rs) for c in columns]) + " |")
        return out

    s = lambda k: (lambda rs: med([r["stats"].get(k) for r in rs]))
    columns = [("top 5 % share", lambda rs: fmt(s("top5")(rs), ".0%")),
               ("distinct cells", lambda rs: fmt(s("distinct")(rs), ".0f")),
               ("validity", lambda rs: fmt(s("validity")(rs), ".1%")),
               ("best", lambda rs: fmt(s("best")(rs), ".2f")),
               ("optimum found", lambda rs: f"{sum(r['stats']['optimum'] for r in rs)}/{len(rs)}"),
               ("ms/arch (CPU)", lambda rs: fmt(med([r["ms_per_arch"] for r in rs]), ".1f"))]
    md = [BEGIN, "",
          "Medians over seeds (the seed draws the predictor's labels, its training and the samples); 'best' is the",
          "table's value of the best valid sample, 'optimum found' counts seeds whose samples include the table's best",
          "cell. Regenerate with `tools/predictor_experiments.sh` (2-core CPU, release build, Swift backend)."]
    metrics = lambda stage: sorted({m for (st, m, _) in groups if st == stage})
    if metrics("sweep"):
        rows = sorted({r for (st, _, r) in groups if st == "sweep"}, key=lambda r: (r.split()[0], float(r.split("=")[1])))
        md += ["", "### λ sweep (NB201 cifar100, predictor from 100 labels)"] + table("sweep", metrics("sweep"), rows, columns)
    if metrics("nb201"):
        rows = ["unguided", "random", "predictor-rank", "cfg cifar10-valid", "guided (default)", "guided first-order λ=60",
                "guided exact λ=60", "guided (default) + cfg cifar10-valid", "guided exact λ=60 + cfg cifar10-valid"]
        md += ["", "### NB201, metrics the model was never conditioned on (predictor from 100 labels)"] + table("nb201", metrics("nb201"), rows, columns)
    if metrics("raspi4"):
        rcols = [("share ≤ raspi4 p25", lambda rs: fmt(s("feasible")(rs), ".0%")),
                 ("best feasible cifar10-valid", lambda rs: fmt(s("best_feasible")(rs), ".2f")),
                 ("table's best feasible", lambda rs: fmt(s("table_best_feasible")(rs), ".2f")),
                 ("top 5 % share", lambda rs: fmt(s("top5")(rs), ".0%")),
                 ("distinct cells", lambda rs: fmt(s("distinct")(rs), ".0f")),
                 ("ms/arch (CPU)", lambda rs: fmt(med([r["ms_per_arch"] for r in rs]), ".1f"))]
        md += ["", "### Accuracy by the trained condition, latency on a device the model never saw (raspi4, predictor from 100 labels)"]
        rows = ["cfg cifar10-valid", "cfg cifar10-valid + raspi4 predictor (default)"] + sorted(
            {r for (st, _, r) in groups if st == "raspi4" and "λ=" in r}, key=lambda r: float(r.split("=")[1]))
        md += table("raspi4", metrics("raspi4"), rows, rcols)
    if metrics("transnas"):
        rows = ["unguided", "random", "predictor-rank", "guided (default)", "guided exact λ=60"]
        md += ["", "### TransNAS-Bench-101 micro, the bundled unconditional model (predictor from 50 labels)"]
        md += table("transnas", metrics("transnas"), rows, columns)
    md += ["", END]
    text = open(a.results_md).read() if os.path.exists(a.results_md) else ""
    block = "\n".join(md)
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip() + "\n\n## Predictor guidance (DiffusionNAG's core on the discrete diffusion)\n\n" + block + "\n"
    open(a.results_md, "w").write(text)
    print(block)


if __name__ == "__main__":
    main()
