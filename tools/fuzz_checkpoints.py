#!/usr/bin/env python3
"""Mutates the bundled checkpoint and runs `nasdiff sample` on every mutant: 0 crashes, 0 hangs, bounded memory.

Half the mutants change one value of the header's JSON (structure-aware: a number scaled, zeroed, negated or
made huge, a string swapped in, a key or array element removed, an array lengthened, the space renamed);
the other half flip random bytes anywhere in the file. Each runs
    nasdiff sample --checkpoint MUTANT --count 2 --batch 2 --steps 2 --device swift --quiet
under a 20 s timeout, its peak memory read by /usr/bin/time. An outcome is 'refused' (exit 1 or 64 with
one line on stderr), 'sampled' (exit 0), 'crash' (killed by a signal, or any other exit), 'hang' (timeout).

Usage: tools/fuzz_checkpoints.py [N=10000] [--seed S] [--jobs J]   (prints a summary; writes nothing else)
"""
import argparse, json, os, random, struct, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "Models/nb201-small.safetensors")
REPLACEMENTS = [0, -1, 1, 2, 7, 10**6, 2**40, 2**63 - 1, -(2**63), 0.5, -0.5, 1e308, "x", True, [], None, {}]


def paths(v, prefix=()):
    out = [prefix]
    if isinstance(v, dict):
        for k in sorted(v):
            out += paths(v[k], prefix + (k,))
    elif isinstance(v, list):
        for i in sorted({0, 1, len(v) // 2, len(v) - 1}):
            if 0 <= i < len(v):
                out += paths(v[i], prefix + (i,))
    return out


def mutate(root, path, change):
    if not path:
        return change(root)
    head, rest = path[0], path[1:]
    root = dict(root) if isinstance(root, dict) else list(root)   # a copy: the original stays intact
    new = mutate(root[head], rest, change)
    if new is REMOVE:
        del root[head]
    else:
        root[head] = new
    return root


REMOVE = object()


def structured(rng, data, header_len, header, record):
    targets = [p for p in paths(record) if p]
    target = rng.choice(targets)
    kind = rng.randrange(5)
    repl = rng.choice(REPLACEMENTS)

    def change(v):
        if kind == 0:
            return repl
        if kind == 1:
            return REMOVE
        if kind == 2 and isinstance(v, (int, float)) and not isinstance(v, bool):
            return v * rng.choice([0, 0.5, 2, -1, 1e6, 1e-6])
        if kind == 3 and isinstance(v, list):
            return v + v[:1]
        if kind == 4 and isinstance(v, str):
            return rng.choice(["nb101", "darts", "transnas-micro", "", "x" * 1000])
        return repl

    mutated = mutate(record, target, change)
    h = dict(header)
    h["__metadata__"] = dict(header["__metadata__"])
    h["__metadata__"]["nasdiff"] = json.dumps(mutated, sort_keys=True)
    h["__metadata__"].pop("fnv1a64", None)   # the tensor bytes are unchanged; keep the check out of the way
    raw = json.dumps(h, sort_keys=True).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data[8 + header_len:]


def bytewise(rng, data, *_):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b)) if rng.random() < 0.5 else rng.randrange(min(len(b), 8 + 4096))
        b[i] = rng.randrange(256)
    return bytes(b)


def run(binary, path):
    cmd = ["/usr/bin/time", "-f", "MAXRSS %M", "timeout", "-s", "KILL", "20", binary, "sample", "--checkpoint", path,
           "--count", "2", "--batch", "2", "--steps", "2", "--device", "swift", "--quiet", "--out", path + ".jsonl"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    rss = next((int(l.split()[1]) for l in p.stderr.splitlines() if l.startswith("MAXRSS")), 0)
    err = [l for l in p.stderr.splitlines() if not l.startswith("MAXRSS") and "Command exited" not in l and "Command terminated" not in l]
    if p.returncode == 0:
        return "sampled", rss, ""
    if p.returncode in (124, 137) or "Command terminated by signal 9" in p.stderr:
        return "hang", rss, ""
    if p.returncode in (1, 64) and len(err) == 1:
        return "refused", rss, err[0]
    return "crash", rss, f"exit {p.returncode}: " + " | ".join(err[:3])[:300]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/nasdiff"))
    args = ap.parse_args()
    data = open(SOURCE, "rb").read()
    header_len = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + header_len])
    record = json.loads(header["__metadata__"]["nasdiff"])
    tmp = tempfile.mkdtemp(prefix="nasdiff-fuzz-")

    def one(i):
        rng = random.Random(args.seed * 1_000_003 + i)
        mutant = (structured if i % 2 == 0 else bytewise)(rng, data, header_len, header, record)
        path = os.path.join(tmp, f"m{i}.safetensors")
        open(path, "wb").write(mutant)
        try:
            return run(args.binary, path)
        finally:
            for p in (path, path + ".jsonl", path + ".meta.json"):   # the mutant, its samples and their side file
                if os.path.exists(p):
                    os.remove(p)

    counts, worst_rss, bad = {}, 0, []
    with ThreadPoolExecutor(args.jobs) as pool:
        for i, (outcome, rss, detail) in enumerate(pool.map(one, range(args.n))):
            counts[outcome] = counts.get(outcome, 0) + 1
            worst_rss = max(worst_rss, rss)
            if outcome in ("crash", "hang"):
                bad.append((i, outcome, detail))
            if (i + 1) % 500 == 0:
                print(f"{i + 1}/{args.n}: {counts}", file=sys.stderr)
    os.rmdir(tmp)
    print(json.dumps({"mutants": args.n, "seed": args.seed, "outcomes": counts, "peak_rss_mb": round(worst_rss / 1024, 1),
                      "failures": bad[:20]}, indent=1))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
