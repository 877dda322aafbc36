#!/usr/bin/env python3
"""Example evaluator for `nasdiff search --evaluate-cmd`.

This shows the evaluator interface; it is not a benchmark. It builds one
NAS-Bench-201 cell at small width, trains it for a few epochs on
scikit-learn's bundled 8x8 digits (no download needed) and reports test accuracy.

Interface: nasdiff runs the command once per candidate and reads the last line
of stdout that parses as a JSON object. This script prints exactly one such line:
    {"accuracy": <test accuracy, percent>, "params": <int>, "seconds": <wall time>}
Progress and errors go to stderr. A malformed architecture prints one line to
stderr and exits with status 2.

Example:
    nasdiff search --evaluate-cmd \
        'python3 tools/evaluators/nb201_digits.py --arch {arch}' --metric accuracy ...
    python3 tools/evaluators/nb201_digits.py \
        --arch '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'

Requires Python 3.11, torch, numpy and scikit-learn.
"""

import argparse
import json
import random
import sys
import time

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")

# Fixed independently of --seed so every architecture is scored on the same test set.
SPLIT_SEED = 0
TEST_FRACTION = 1 / 3


class ArchError(ValueError):
    pass


def parse_arch(text):
    """Returns [[(op, src), ...] for node 1..3]; raises ArchError on bad input."""
    text = text.strip()
    groups = text.split("+")
    if len(groups) != 3:
        raise ArchError(f"expected 3 '+'-separated node groups, got {len(groups)}")
    nodes = []
    for j, group in enumerate(groups, start=1):
        if not (group.startswith("|") and group.endswith("|")) or len(group) < 2:
            raise ArchError(f"node {j} group {group!r} must be wrapped in '|'")
        edges = group[1:-1].split("|")
        if len(edges) != j:
            raise ArchError(f"node {j} needs {j} incoming edges, got {len(edges)} in {group!r}")
        parsed = []
        for edge in edges:
            op, sep, src = edge.partition("~")
            if not sep:
                raise ArchError(f"edge {edge!r} of node {j} is not of the form op~i")
            if op not in OPS:
                raise ArchError(f"unknown op {op!r} on node {j} (allowed: {', '.join(OPS)})")
            if not src.isdigit() or int(src) >= j:
                raise ArchError(f"edge {edge!r} of node {j} must come from a node 0..{j - 1}")
            parsed.append((op, int(src)))
        if sorted(s for _, s in parsed) != list(range(j)):
            raise ArchError(f"node {j} must have exactly one edge from each of nodes 0..{j - 1}")
        nodes.append(parsed)
    return nodes


def build_model(nodes, width, cells):
    # torch is imported lazily so a bad architecture fails fast without paying its import cost.
    import torch
    from torch import nn

    class Zero(nn.Module):
        # Multiplying keeps shape, dtype and the autograd graph identical to a real op.
        def forward(self, x):
            return x.mul(0.0)

    def relu_conv_bn(c, k):
        return nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, k, stride=1, padding=k // 2, bias=False),
            nn.BatchNorm2d(c),
        )

    def make_op(name, c):
        if name == "none":
            return Zero()
        if name == "skip_connect":
            return nn.Identity()
        if name == "nor_conv_1x1":
            return relu_conv_bn(c, 1)
        if name == "nor_conv_3x3":
            return relu_conv_bn(c, 3)
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    class Cell(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.edges = nn.ModuleList(
                nn.ModuleList(make_op(op, c) for op, _ in node) for node in nodes
            )
            self.sources = [[src for _, src in node] for node in nodes]

        def forward(self, x):
            states = [x]
            for ops, srcs in zip(self.edges, self.sources):
                states.append(sum(op(states[s]) for op, s in zip(ops, srcs)))
            return states[-1]

    class Reduction(nn.Module):
        # NB201's ResNet-style block between stages.
        def __init__(self, cin, cout):
            super().__init__()
            self.a = nn.Sequential(
                nn.ReLU(), nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout)
            )
            self.b = nn.Sequential(
                nn.ReLU(), nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
            )
            self.shortcut = nn.Sequential(
                nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False)
            )

        def forward(self, x):
            return self.b(self.a(x)) + self.shortcut(x)

    layers = [nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width)]
    c = width
    for stage in range(3):
        if stage > 0:
            layers.append(Reduction(c, 2 * c))
            c *= 2
        layers.extend(Cell(c) for _ in range(cells))
    layers += [
        nn.BatchNorm2d(c),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(c, 10),
    ]
    return nn.Sequential(*layers)


def load_data():
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    return train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y
    )


def read_arch(args):
    if args.arch is not None:
        return args.arch
    try:
        with open(args.json, encoding="utf-8") as f:
            payload = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ArchError(f"cannot read {args.json}: {e}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("arch"), str):
        raise ArchError(f"{args.json} has no string key \"arch\"")
    return payload["arch"]


def main():
    start = time.perf_counter()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--arch", help="NAS-Bench-201 arch string")
    src.add_argument("--json", help='JSON file with key "arch"')
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--width", type=int, default=8, help="channels C of the first stage")
    p.add_argument("--cells", type=int, default=1, help="cells per stage N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    args = p.parse_args()

    try:
        nodes = parse_arch(read_arch(args))
    except ArchError as e:
        print(f"nb201_digits: invalid architecture: {e}", file=sys.stderr)
        return 2

    import numpy as np
    import torch
    from torch import nn

    # One thread so two evaluations can run side by side on a 2-core machine,
    # and so results are bit-for-bit repeatable for a given --seed.
    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    x_train, x_test, y_train, y_test = load_data()
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)

    model = build_model(nodes, args.width, args.cells)
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)

    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        total = 0.0
        for i in range(0, len(perm), args.batch):
            idx = perm[i : i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}/{args.epochs} loss {total / len(perm):.4f}", file=sys.stderr)

    model.eval()
    with torch.no_grad():
        pred = model(x_test).argmax(dim=1)
    accuracy = 100.0 * (pred == y_test).float().mean().item()

    print(json.dumps({
        "accuracy": round(accuracy, 4),
        "params": params,
        "seconds": round(time.perf_counter() - start, 3),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
