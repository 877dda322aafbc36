#!/usr/bin/env python3
"""Convert an export of NAS-Bench-101 into NASDiffusion's NB101 table (read by NB101Table.loadConverted).

WHAT IT READS. This script does not read the official nasbench_full.tfrecord / nasbench_only108.tfrecord
itself (that needs TensorFlow and the nasbench package). It reads an export of it, one record per line,
as JSON lines (.jsonl) or CSV (.csv, with a header), with these fields:

    module_adjacency      required: the adjacency matrix, as a JSON list of lists, a numpy repr
                          ("[[0 1 1]\\n [0 0 1] ...]") or n*n digits; any form whose 0/1 entries read in
                          row-major order give the matrix
    module_operations     required: the op names, as a JSON list or a Python repr list, in NAS-Bench-101
                          names: input, conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3, output
    validation_accuracy   required: a fraction (0.93) or a percentage (93.0), see --accuracy-scale
    test_accuracy         optional, same scale
    trainable_parameters  optional: a parameter count (written as millions)
    training_time         optional: seconds
    module_hash           optional: the NAS-Bench-101 hash, kept as the row key
    epochs                optional: if present, only records with --epochs (default 108) are used

Several records of the same cell (the three seeds NAS-Bench-101 trained each cell with) are averaged.
Such an export can be made with the nasbench API, e.g.

    for h in api.hash_iterator():
        fixed, computed = api.get_metrics_from_hash(h)
        for run in computed[108]:
            print(json.dumps({"module_hash": h, "module_adjacency": fixed["module_adjacency"].tolist(),
                              "module_operations": fixed["module_operations"], "epochs": 108,
                              "trainable_parameters": fixed["trainable_parameters"],
                              "validation_accuracy": run["final_validation_accuracy"],
                              "test_accuracy": run["final_test_accuracy"],
                              "training_time": run["final_training_time"]}))

WHAT IT WRITES. A CSV (RFC 4180, the standard string is quoted because it holds commas):

    standard,module_hash,val_accuracy,test_accuracy,params_m,train_time_s

    standard       the pruned cell in NASDiffusion's NB101 form: adjacency rows as 0/1 digits joined by
                   ",", then "|", then the op names joined by ",", e.g.
                   "011,001,000|input,conv3x3-bn-relu,output"
    val_accuracy   mean validation accuracy in percent; test_accuracy likewise
    params_m       trainable parameters in millions; train_time_s mean training time in seconds
Optional columns are written only when the input has them. Cells are pruned (vertices off every
input -> output path removed) and checked (<= 7 vertices, <= 9 edges, input first, output last); a record
that breaks a rule stops the script with its line number.

Usage: tools/convert_nb101.py EXPORT.jsonl|EXPORT.csv [-o Data/nb101/nb101.csv] [--epochs 108]
                              [--accuracy-scale auto|1|100]
"""
import argparse
import csv
import json
import re
import sys

OPS = ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "output"]


def parse_matrix(value, n):
    """Row-major 0/1 entries of an n x n matrix, from a list or any text form."""
    if isinstance(value, list):
        flat = [x for row in value for x in (row if isinstance(row, list) else [row])]
    else:
        text = str(value)
        flat = [int(c) for c in re.findall(r"\d", text)]
    flat = [int(x) for x in flat]
    if len(flat) != n * n or any(x not in (0, 1) for x in flat):
        raise ValueError(f"module_adjacency must hold {n}x{n} entries of 0/1 for {n} ops, got {len(flat)}")
    return [flat[i * n:(i + 1) * n] for i in range(n)]


def parse_ops(value):
    if isinstance(value, list):
        ops = [str(x) for x in value]
    else:
        text = str(value)
        ops = re.findall(r"['\"]([^'\"]+)['\"]", text) or [t for t in re.split(r"[\s,\[\]]+", text) if t]
    unknown = [op for op in ops if op not in OPS]
    if unknown:
        raise ValueError(f"unknown op(s) {unknown}; NAS-Bench-101 ops are {', '.join(OPS)}")
    return ops


def prune(matrix, ops):
    """Drop vertices that are not on an input -> output path (as NAS-Bench-101's ModelSpec does)."""
    n = len(ops)
    forward = {0}
    for j in range(1, n):
        if any(matrix[i][j] and i in forward for i in range(j)):
            forward.add(j)
    backward = {n - 1}
    for i in range(n - 2, -1, -1):
        if any(matrix[i][j] and j in backward for j in range(i + 1, n)):
            backward.add(i)
    if n - 1 not in forward:
        raise ValueError("the output cannot be reached from the input")
    keep = sorted(forward & backward)
    return [[matrix[i][j] for j in keep] for i in keep], [ops[i] for i in keep]


def standard_string(matrix, ops):
    n = len(ops)
    if any(matrix[i][j] for i in range(n) for j in range(i + 1)):
        raise ValueError("the adjacency must be strictly upper-triangular")
    matrix, ops = prune(matrix, ops)
    n = len(ops)
    if ops[0] != "input" or ops[-1] != "output" or any(op in ("input", "output") for op in ops[1:-1]):
        raise ValueError(f"ops must be input, interior ops, output; got {ops}")
    if n > 7 or sum(map(sum, matrix)) > 9:
        raise ValueError(f"the pruned cell has {n} vertices and {sum(map(sum, matrix))} edges (limits 7 and 9)")
    return ",".join("".join(str(x) for x in row) for row in matrix) + "|" + ",".join(ops)


def records(path):
    """(line number, dict) per record."""
    with open(path, newline="") as f:
        if path.endswith(".csv"):
            for k, row in enumerate(csv.DictReader(f), start=2):
                yield k, row
        else:
            for k, line in enumerate(f, start=1):
                if line.strip():
                    yield k, json.loads(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("export")
    ap.add_argument("-o", "--output", default="Data/nb101/nb101.csv")
    ap.add_argument("--epochs", type=int, default=108)
    ap.add_argument("--accuracy-scale", choices=["auto", "1", "100"], default="auto",
                    help="100 multiplies fractions into percent; auto does so when every accuracy is <= 1")
    args = ap.parse_args()

    cells = {}  # standard -> accumulated fields
    optional = ["test_accuracy", "trainable_parameters", "training_time"]
    present = set()
    for line, rec in records(args.export):
        if "epochs" in rec and rec["epochs"] not in ("", None) and int(float(rec["epochs"])) != args.epochs:
            continue
        try:
            ops = parse_ops(rec["module_operations"])
            standard = standard_string(parse_matrix(rec["module_adjacency"], len(ops)), ops)
            val = float(rec["validation_accuracy"])
        except (KeyError, ValueError) as e:
            sys.exit(f"{args.export}:{line}: {e}")
        cell = cells.setdefault(standard, {"hash": rec.get("module_hash", ""), "n": 0, "val_accuracy": 0.0})
        cell["n"] += 1
        cell["val_accuracy"] += val
        for name in optional:
            if rec.get(name) not in (None, ""):
                present.add(name)
                cell[name] = cell.get(name, 0.0) + float(rec[name])
                cell[name + "_n"] = cell.get(name + "_n", 0) + 1
    if not cells:
        sys.exit(f"{args.export}: no records (with epochs == {args.epochs})")

    accuracies = [c["val_accuracy"] / c["n"] for c in cells.values()]
    scale = 100.0 if args.accuracy_scale == "100" or (args.accuracy_scale == "auto" and max(accuracies) <= 1.0) else 1.0
    columns = ["standard", "module_hash", "val_accuracy"] + [c for c, f in
               [("test_accuracy", "test_accuracy"), ("params_m", "trainable_parameters"), ("train_time_s", "training_time")]
               if f in present]
    with open(args.output, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(columns)
        for standard, c in cells.items():
            def mean(name):
                if name + "_n" not in c:
                    sys.exit(f"{args.export}: cell {standard} has no {name}, which other records have")
                return c[name] / c[name + "_n"]
            row = [standard, c["hash"], c["val_accuracy"] / c["n"] * scale]
            if "test_accuracy" in present:
                row.append(mean("test_accuracy") * scale)
            if "trainable_parameters" in present:
                row.append(mean("trainable_parameters") / 1e6)
            if "training_time" in present:
                row.append(mean("training_time"))
            out.writerow(row)
    print(f"wrote {len(cells)} cells to {args.output} (accuracy x{scale:g})", file=sys.stderr)


if __name__ == "__main__":
    main()
