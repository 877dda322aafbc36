#!/usr/bin/env python3
"""PyTorch reference of NASDiffusion's denoiser, noise model and sampler.

Written from our Swift sources, which are the spec (Sources/Model, Sources/Compute/Ops,
Sources/Diffusion), including their deliberate departures from the DiNAS paper: t/T in y, y chained
across layers, one one-hot block per condition, no positional encoding on padded nodes, no dropout.
It loads a checkpoint written by `nasdiff train` (safetensors; the "nasdiff" metadata key holds the
CheckpointRecord JSON; "optimizer.N.*" tensors are AdamW moments and are ignored).

Two uses (issue 5):
  forward  numerical parity of one forward pass with the Swift implementation (tools/reference/parity.py)
  predictor-forward  the same for a noise-aware predictor (`nasdiff predictor train` files): the prediction
           and its gradient with respect to the one-hot inputs (tools/reference/predictor_parity.py)
  bench    the same guided sampling workload as `nasdiff bench sample`, timed in eager PyTorch on CPU
           or CUDA, in ms per architecture
  sample   a guided sampling run that prints or writes the sampled node/pair classes

Only torch and numpy are needed: safetensors files are read and written by the few lines below, so the
script runs on a GPU machine that has torch but cannot install anything else.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import struct
import sys
import time
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, JSON header, raw little-endian data (we use F32).
# ----------------------------------------------------------------------------------------------------

_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16}


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                      offset=base + begin).reshape(entry["shape"]).astype(dtype.newbyteorder("="))
    return tensors, meta


def write_safetensors(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    header: dict = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    if metadata:
        header["__metadata__"] = metadata
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)  # keep the data 8-aligned, as the Swift writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------------
# Model config (Sources/Model/ModelConfig.swift): the JSON "model" object of the checkpoint record.
# ----------------------------------------------------------------------------------------------------


@dataclass
class ModelConfig:
    nodeClasses: int
    edgeClasses: int
    conditionWidth: int
    maxNodes: int
    layers: int
    dx: int
    de: int
    dy: int
    heads: int
    ffX: int
    ffE: int
    ffY: int
    hiddenInX: int
    hiddenInE: int
    hiddenInY: int
    hiddenOutX: int
    hiddenOutE: int
    timestep: bool = True
    chainY: bool = True
    # A noise-aware predictor (Predictor.swift): a regression head on y, Linear(dy -> this) · ReLU ·
    # Linear(-> 1), replaces the output MLPs. None (absent from the JSON) for a denoiser.
    regressionHidden: int | None = None

    @property
    def nodeEmbed(self) -> int:  # node features before the class embedding: dx/2
        return self.dx // 2

    @property
    def edgeEmbed(self) -> int:
        return self.de // 2

    @classmethod
    def from_json(cls, d: dict) -> "ModelConfig":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})

    @classmethod
    def preset(cls, name: str, nodeClasses: int, conditionWidth: int, maxNodes: int) -> "ModelConfig":
        # The same three presets as ModelConfig.swift (dx, de, dy, heads, ffX, ffE, ffY, hidden in X/E/y, out X/E).
        table = {
            "dinas": (5, 512, 128, 64, 8, 256, 128, 2048, 256, 128, 128, 256, 128),
            "small": (3, 64, 16, 32, 4, 128, 32, 64, 64, 16, 32, 64, 16),
            "tiny": (2, 16, 8, 8, 2, 16, 8, 16, 16, 8, 8, 16, 8),
        }
        L, dx, de, dy, h, fx, fe, fy, hx, he, hy, ox, oe = table[name]
        return cls(nodeClasses, 2, conditionWidth, maxNodes, L, dx, de, dy, h, fx, fe, fy, hx, he, hy, ox, oe)


# ----------------------------------------------------------------------------------------------------
# The denoiser (Sources/Model/GraphTransformer*.swift, TransformerLayer.swift). Module names are our
# tensor names, so load_state_dict takes the checkpoint's tensors as they are. Shapes:
#   x [G, n, dX] one-hot, e [G, n, n, dE] one-hot, y [G, W], node_mask [G, n] of 0/1.
# ----------------------------------------------------------------------------------------------------


def positional_table(positions: int, channels: int, width: int) -> torch.Tensor:
    """PositionalEncoding.swift: tensor2tensor sines then cosines over the first `channels` columns, in
    double precision and then rounded to float, like the Swift table; the class-embedding columns get 0."""
    out = np.zeros((positions, width), dtype=np.float64)
    half = channels // 2
    step = math.log(1e4) / (half - 1) if half > 1 else 0.0
    p = np.arange(positions, dtype=np.float64)[:, None]
    angle = p * np.exp(-np.arange(half, dtype=np.float64) * step)[None, :]
    out[:, :half] = np.sin(angle)
    out[:, half : 2 * half] = np.cos(angle)
    return torch.from_numpy(out.astype(np.float32))


def pool(t: torch.Tensor) -> torch.Tensor:
    """Pooling.swift: [mean, min, max, unbiased std] over ALL positions (dim 1), padding included.
    One position gives std 0 (torch would give NaN)."""
    std = t.std(dim=1) if t.shape[1] > 1 else torch.zeros_like(t[:, 0])
    return torch.cat([t.mean(dim=1), t.amin(dim=1), t.amax(dim=1), std], dim=-1)


def _first_index_of(t: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """t[:, p] for the FIRST position p (dim 1) where t equals `value` (a min or max of t over dim 1), as a
    gather, so that its gradient goes to that one position."""
    idx = (t == value.unsqueeze(1)).to(t.dtype).argmax(dim=1, keepdim=True)   # argmax: the first maximum
    return t.gather(1, idx).squeeze(1)


def pool_exact(t: torch.Tensor) -> torch.Tensor:
    """`pool` with the Swift backward too (Pooling.swift, Kernels/pooling.cl), for what differentiates
    through it (the predictor's input gradients): the min/max gradient goes to the FIRST position
    attaining it (amin/amax would share it among ties; the input block makes many exact ties: equal
    one-hots, the broadcast class embedding, zeroed padding); a channel whose positions are all equal
    (min = max) has mean = that value and std = 0 with no std gradient (the mean's gradient is still
    dmean/P to every position). Forward values equal `pool`'s up to float rounding."""
    lo = _first_index_of(t, t.amin(dim=1))
    hi = _first_index_of(t, t.amax(dim=1))
    flat = lo == hi
    m = t.mean(dim=1)
    mean = m + (torch.where(flat, lo, m) - m).detach()                       # value: lo where flat; gradient: dmean/P
    if t.shape[1] > 1:
        std = torch.where(flat, torch.zeros_like(m), t.std(dim=1))           # torch's std_backward passes 0 where std = 0
    else:
        std = torch.zeros_like(m)
    return torch.cat([mean, lo, hi, std], dim=-1)


class NodeEdgeAttention(nn.Module):
    """Attention.swift + the attention half of TransformerLayer.forward. Not a dot product: every
    channel has its own score and its own softmax over the keys; heads only set the scale."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        dx, de, dy = c.dx, c.de, c.dy
        self.scale = 1.0 / math.sqrt(dx // c.heads)
        self.q, self.k, self.v = nn.Linear(dx, dx), nn.Linear(dx, dx), nn.Linear(dx, dx)
        self.e_mul, self.e_add = nn.Linear(de, dx), nn.Linear(de, dx)
        self.y_e_mul, self.y_e_add = nn.Linear(dy, dx), nn.Linear(dy, dx)
        self.y_x_mul, self.y_x_add = nn.Linear(dy, dx), nn.Linear(dy, dx)
        self.y_y = nn.Linear(dy, dy)
        # Our checkpoints name these "x_y"/"e_y" directly (DiGress wraps them as Xtoy.lin).
        self.x_y, self.e_y = nn.Linear(4 * dx, dy), nn.Linear(4 * de, dy)
        self.x_out, self.e_out = nn.Linear(dx, dx), nn.Linear(dx, de)
        self.y_out = nn.Sequential(nn.Linear(dy, dy), nn.ReLU(), nn.Linear(dy, dy))
        # pool_exact instead of pool (PredictorNet sets it): the Swift pooling backward, tie rule included.
        self.exact_pool = False

    def forward(self, x, e, y, xm, pm, key_valid):
        q, k, v = self.q(x) * xm, self.k(x) * xm, self.v(x) * xm
        e1, e2 = self.e_mul(e) * pm, self.e_add(e) * pm
        # scores[g,i,j,c] = q_i·k_j·s·(e1+1) + e2, evaluated in the Swift order ((q·k)·s)·(e1+1) + e2.
        scores = q.unsqueeze(2) * k.unsqueeze(1) * self.scale * (e1 + 1) + e2
        # Masked keys are excluded from the softmax. The most negative float instead of -inf keeps a graph
        # with no valid key at all (only possible with 0 real nodes) from producing NaN; its rows are
        # masked away afterwards, as in Swift where they come out as 0.
        probs = torch.softmax(scores.masked_fill(~key_valid, torch.finfo(scores.dtype).min), dim=2)
        wv = (probs * v.unsqueeze(1)).sum(dim=2)
        # Edge update from the PRE-softmax scores (all pairs), FiLM'd by y: inp·(1 + mul) + add.
        fe = scores * (1 + self.y_e_mul(y))[:, None, None, :] + self.y_e_add(y)[:, None, None, :]
        new_e = self.e_out(fe) * pm
        fx = wv * (1 + self.y_x_mul(y))[:, None, :] + self.y_x_add(y)[:, None, :]
        new_x = self.x_out(fx) * xm
        # Global update from the layer INPUTS x and e (not the attention outputs).
        pl = pool_exact if self.exact_pool else pool
        new_y = self.y_out(self.y_y(y) + self.x_y(pl(x)) + self.e_y(pl(e.flatten(1, 2))))
        return new_x, new_e, new_y


class TransformerLayer(nn.Module):
    """Post-LN residual blocks for X, E and y. Padded nodes and pairs are zeroed again after the last
    norm (as in Swift; DiGress does not), so LayerNorm(0) = β never reaches the next layer's pooling."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.attention = NodeEdgeAttention(c)
        self.linX1, self.linX2 = nn.Linear(c.dx, c.ffX), nn.Linear(c.ffX, c.dx)
        self.linE1, self.linE2 = nn.Linear(c.de, c.ffE), nn.Linear(c.ffE, c.de)
        self.lin_y1, self.lin_y2 = nn.Linear(c.dy, c.ffY), nn.Linear(c.ffY, c.dy)
        self.normX1, self.normX2 = nn.LayerNorm(c.dx, eps=1e-5), nn.LayerNorm(c.dx, eps=1e-5)
        self.normE1, self.normE2 = nn.LayerNorm(c.de, eps=1e-5), nn.LayerNorm(c.de, eps=1e-5)
        self.norm_y1, self.norm_y2 = nn.LayerNorm(c.dy, eps=1e-5), nn.LayerNorm(c.dy, eps=1e-5)

    def forward(self, x, e, y, xm, pm, key_valid):
        nx, ne, ny = self.attention(x, e, y, xm, pm, key_valid)
        x1, e1, y1 = self.normX1(x + nx), self.normE1(e + ne), self.norm_y1(y + ny)
        x2 = self.normX2(x1 + self.linX2(F.relu(self.linX1(x1)))) * xm
        e2 = self.normE2(e1 + self.linE2(F.relu(self.linE1(e1)))) * pm
        y2 = self.norm_y2(y1 + self.lin_y2(F.relu(self.lin_y1(y1))))
        return x2, e2, y2


def _mlp(a: int, b: int, c: int, last_relu: bool) -> nn.Sequential:
    # Sequential so the tensor names come out as NAME.0 / NAME.2 (ReLU at index 1, 3).
    mods = [nn.Linear(a, b), nn.ReLU(), nn.Linear(b, c)]
    return nn.Sequential(*(mods + [nn.ReLU()] if last_relu else mods))


class GraphTransformer(nn.Module):
    def __init__(self, c: ModelConfig, outputs: bool = True):
        """`outputs`: the denoiser's output MLPs (mlp_out_X, mlp_out_E); PredictorNet has a head instead."""
        super().__init__()
        self.config = c
        cxw, cew = c.dx - c.nodeEmbed, c.de - c.edgeEmbed
        self.mlp_in_X = _mlp(c.nodeClasses, c.hiddenInX, c.nodeEmbed, True)
        self.mlp_in_E = _mlp(c.edgeClasses, c.hiddenInE, c.edgeEmbed, True)
        self.mlp_in_y = _mlp(c.conditionWidth, c.hiddenInY, c.dy, True)
        self.linear_map_class_X = _mlp(c.conditionWidth, cxw, cxw, False)
        self.linear_map_class_E = _mlp(c.conditionWidth, cew, cew, False)
        self.tf_layers = nn.ModuleList(TransformerLayer(c) for _ in range(c.layers))
        if outputs:
            self.mlp_out_X = _mlp(c.dx, c.hiddenOutX, c.nodeClasses, False)
            self.mlp_out_E = _mlp(c.de, c.hiddenOutE, c.edgeClasses, False)
        # Not a parameter and not in the checkpoint.
        self.register_buffer("positional", positional_table(c.maxNodes, c.nodeEmbed, c.dx), persistent=False)
        self.register_buffer("offdiag", 1 - torch.eye(c.maxNodes), persistent=False)

    def encode(self, x0, e0, y, node_mask):
        """The input block and the transformer layers: the last layer's x [G, n, dx], e [G, n, n, de] and
        y [G, dy], and the masks the outputs need (xm [G, n, 1], pair [G, n, n])."""
        G, n, _ = x0.shape
        xm = node_mask.unsqueeze(-1)                                            # [G, n, 1]
        pair = node_mask.unsqueeze(2) * node_mask.unsqueeze(1)                  # [G, n, n]
        pm = pair.unsqueeze(-1)                                                 # [G, n, n, 1]
        key_valid = (node_mask > 0)[:, None, :, None]                           # keys j, [G, 1, n, 1]

        # Node input: MLP, class embedding of y appended to every node, positions added, padding zeroed.
        cx = self.linear_map_class_X(y)
        x = torch.cat([self.mlp_in_X(x0), cx[:, None, :].expand(G, n, cx.shape[-1])], dim=-1)
        x = (x + self.positional[:n]) * xm
        # Edge input: MLP, class embedding appended, symmetrised, padded pairs zeroed (diagonal kept).
        ce = self.linear_map_class_E(y)
        e = torch.cat([self.mlp_in_E(e0), ce[:, None, None, :].expand(G, n, n, ce.shape[-1])], dim=-1)
        e = (e + e.transpose(1, 2)) * 0.5 * pm
        yh = self.mlp_in_y(y)

        h = yh
        for layer in self.tf_layers:
            x, e, h = layer(x, e, h if self.config.chainY else yh, xm, pm, key_valid)
        return x, e, h, xm, pair

    def forward(self, x0, e0, y, node_mask):
        n = x0.shape[1]
        x, e, _, xm, pair = self.encode(x0, e0, y, node_mask)

        # Outputs plus the one-hot input (DiGress's residual), masked; E without diagonal, symmetric.
        x_logits = (self.mlp_out_X(x) + x0) * xm
        el = (self.mlp_out_E(e) + e0) * (pair * self.offdiag[:n, :n]).unsqueeze(-1)
        e_logits = (el + el.transpose(1, 2)) * 0.5
        return x_logits, e_logits

    def forward_flops(self, graphs: int) -> float:
        """GraphTransformer+FLOPs.swift, so TFLOP/s figures compare with `nasdiff bench sample`."""
        c = self.config
        rn, re, rg = graphs * c.maxNodes, graphs * c.maxNodes ** 2, graphs
        lin = lambda rows, a, b: 2.0 * rows * a * b  # noqa: E731
        cx, ce = c.dx - c.nodeEmbed, c.de - c.edgeEmbed
        f = (lin(rn, c.nodeClasses, c.hiddenInX) + lin(rn, c.hiddenInX, c.nodeEmbed)
             + lin(re, c.edgeClasses, c.hiddenInE) + lin(re, c.hiddenInE, c.edgeEmbed)
             + lin(rg, c.conditionWidth, c.hiddenInY) + lin(rg, c.hiddenInY, c.dy)
             + lin(rg, c.conditionWidth, cx) + lin(rg, cx, cx) + lin(rg, c.conditionWidth, ce) + lin(rg, ce, ce)
             + lin(rn, c.dx, c.hiddenOutX) + lin(rn, c.hiddenOutX, c.nodeClasses)
             + lin(re, c.de, c.hiddenOutE) + lin(re, c.hiddenOutE, c.edgeClasses))
        layer = (4 * lin(rn, c.dx, c.dx) + 2 * lin(rn, c.dx, c.ffX) + 8.0 * re * c.dx
                 + 2 * lin(re, c.de, c.dx) + lin(re, c.dx, c.de) + 2 * lin(re, c.de, c.ffE)
                 + 4 * lin(rg, c.dy, c.dx) + 3 * lin(rg, c.dy, c.dy) + lin(rg, 4 * c.dx, c.dy) + lin(rg, 4 * c.de, c.dy)
                 + 2 * lin(rg, c.dy, c.ffY))
        return f + c.layers * layer


class PredictorNet(GraphTransformer):
    """The noise-aware predictor (GraphTransformer.swift with config.regressionHidden, Predictor.swift): the
    denoiser's input block and layers, no output MLPs, and a head on the LAST layer's y output:
    head.0 Linear(dy -> regressionHidden) · ReLU · head.2 Linear(-> 1), one number per graph (standardised:
    the metric is prediction·std + mean). Its y is t/T alone (conditionWidth 1). Pooling uses
    pool_exact, so that gradients with respect to the inputs follow the Swift backward."""

    def __init__(self, c: ModelConfig):
        if not c.regressionHidden:
            raise ValueError("a predictor's model config needs regressionHidden > 0")
        super().__init__(c, outputs=False)
        self.head = _mlp(c.dy, c.regressionHidden, 1, False)
        for layer in self.tf_layers:
            layer.attention.exact_pool = True

    def forward(self, x0, e0, y, node_mask):
        _, _, h, _, _ = self.encode(x0, e0, y, node_mask)
        return self.head(h).squeeze(-1)                                         # [G]

    def prediction_and_input_gradients(self, x0, e0, y, node_mask):
        """prediction [G] and d(Σ_g prediction_g)/d x0, d e0, by autograd (what `nasdiff forward --predictor`
        computes with its explicit backward). All arguments are plain tensors; they are not modified."""
        x0 = x0.detach().clone().requires_grad_(True)
        e0 = e0.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            pred = self(x0, e0, y, node_mask)
            dx0, de0 = torch.autograd.grad(pred.sum(), (x0, e0))
        return pred.detach(), dx0, de0


# ----------------------------------------------------------------------------------------------------
# Noise model (NoiseSchedule.swift, MarginalTransitions.swift), in float64 like the Swift code.
# ----------------------------------------------------------------------------------------------------


def cosine_alpha_bars(T: int) -> np.ndarray:
    """DiGress's cosine schedule as DiNAS codes it: T + 2 points of linspace(0, T+2, T+2) (spacing
    (T+2)/(T+1), a kept quirk), β_t = 1 − f_{t+1}/f_t clamped to [0, 0.9999], ᾱ_t = Π_{k≤t}(1 − β_k)."""
    n, s = T + 2, 0.008
    x = n * np.arange(n, dtype=np.float64) / (n - 1)
    f = np.cos(0.5 * np.pi * (x / n + s) / (1 + s)) ** 2
    betas = np.clip(1 - (f[1:] / f[0]) / (f[:-1] / f[0]), 0, 0.9999)   # t = 0 … T
    return np.exp(np.cumsum(np.log(1 - betas)))


def transition_matrix(marginal: np.ndarray, keep: float) -> np.ndarray:
    """a·I + (1 − a)·1mᵀ, row-stochastic (Q[i][j] = P(next = j | current = i)), rounded to float32.
    Products of such matrices stay of this form, so Q_{s→t} uses a = ᾱ_t/ᾱ_s (exact strided steps)."""
    d = len(marginal)
    return ((1 - keep) * np.tile(marginal, (d, 1)) + keep * np.eye(d)).astype(np.float32)


def timesteps(T: int, S: int) -> list[int]:
    """Sampler.timesteps: S + 1 visited steps from T down to 0, rounded to the nearest (half away from 0)."""
    s = max(1, min(S, T))
    ts = [int(math.floor(T * (s - k) / s + 0.5)) for k in range(s + 1)]
    ts[0], ts[s] = T, 0
    return ts


def posterior(x0_probs: torch.Tensor, zt: torch.Tensor, qt: torch.Tensor, qs_bar: torch.Tensor,
              qt_bar: torch.Tensor) -> torch.Tensor:
    """Posterior.swift: p(z_s = c | z_t) ∝ Σ_a p̂(x0 = a)·Q_t[c, z_t]·Q̄_s[a, c] / Q̄_t[a, z_t], rows
    [R, C]; a zero denominator becomes 1e-6, a row without mass becomes uniform. One set of matrices
    for all rows (every graph of a batch is at the same step)."""
    den = qt_bar[:, zt].T                                                   # [R, A]: Q̄_t[a, z_t]
    den = torch.where(den == 0, torch.full_like(den, 1e-6), den)
    unnorm = qt[:, zt].T * ((x0_probs / den) @ qs_bar)                     # [R, C]
    total = unnorm.sum(dim=-1, keepdim=True)
    C = unnorm.shape[-1]
    return torch.where(total > 0, unnorm / total.clamp_min(torch.finfo(unnorm.dtype).tiny),
                       torch.full_like(unnorm, 1.0 / C))


def draw(probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Inverse-CDF categorical draw per row (Sampling.swift's rule with torch's uniforms): the first class
    whose running sum exceeds u·Σ. Cheaper than torch.multinomial for millions of 2-class rows."""
    u = torch.rand(probs.shape[:-1] + (1,), device=probs.device, generator=generator)
    cdf = probs.cumsum(dim=-1)
    k = (cdf <= u * cdf[..., -1:]).sum(dim=-1)
    return k.clamp_max(probs.shape[-1] - 1)


def mirror_pairs(z: torch.Tensor) -> torch.Tensor:
    """mirrorPairClasses: the upper triangle decides, the lower copies it, the diagonal is 0 (no edge)."""
    up = torch.triu(z, diagonal=1)
    return up + up.transpose(-1, -2)


# ----------------------------------------------------------------------------------------------------
# Optional: the Swift sampler's own random numbers (--rng philox), so a reference run draws the same
# classes as `nasdiff sample` with the same seed, up to float32 ties. Host-side numpy, slow on purpose
# of clarity: use it for checking, not for timing (bench uses torch's RNG).
# ----------------------------------------------------------------------------------------------------

_M32 = 0xFFFFFFFF
_M64 = 0xFFFFFFFFFFFFFFFF


class SplitMix64:
    """GraphTransformer.swift's SplitMix64 and Swift's Int.random(in: 0..<N) on it (Lemire's
    multiply-high with rejection, as the standard library's next(upperBound:))."""

    def __init__(self, seed: int):
        self.state = seed & _M64

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return z ^ (z >> 31)

    def below(self, bound: int) -> int:
        m = self.next() * bound
        if (m & _M64) < bound:
            t = ((1 << 64) - bound) % bound
            while (m & _M64) < t:
                m = self.next() * bound
        return m >> 64


def philox_uniform(seed: int, rows: int, stream: int) -> np.ndarray:
    """Philox.swift: Philox4x32-10 with key = seed (low word first), counter = (row lo, row hi, stream lo,
    stream hi); u = top 24 bits of the first output word · 2⁻²⁴ (float32, in [0, 1))."""
    r = np.arange(rows, dtype=np.uint64)
    c0, c1 = r & np.uint64(_M32), r >> np.uint64(32)
    c2 = np.full(rows, stream & _M32, dtype=np.uint64)
    c3 = np.full(rows, (stream >> 32) & _M32, dtype=np.uint64)
    k0, k1 = seed & _M32, (seed >> 32) & _M32
    m0, m1, lo = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57), np.uint64(_M32)
    for rnd in range(10):
        if rnd > 0:
            k0, k1 = (k0 + 0x9E3779B9) & _M32, (k1 + 0xBB67AE85) & _M32
        p0, p1 = m0 * c0, m1 * c2                  # 32 × 32 → 64 bits: no overflow in uint64
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ np.uint64(k0), p1 & lo,
                          (p0 >> np.uint64(32)) ^ c3 ^ np.uint64(k1), p0 & lo)
    return (c0 >> np.uint64(8)).astype(np.float32) * np.float32(2.0 ** -24)


def philox_draw(probs: torch.Tensor, seed: int, stream: int) -> torch.Tensor:
    """sampleCategorical: float32 sums left to right, the first class with u·Σ < cdf, else the last class
    with positive weight; a row without mass gives −1."""
    p = probs.detach().float().cpu().numpy()
    R, C = p.shape
    total = np.zeros(R, np.float32)
    for c in range(C):
        total += p[:, c]
    target = philox_uniform(seed, R, stream) * total
    out = np.full(R, -1, np.int64)
    last = np.full(R, -1, np.int64)
    cdf = np.zeros(R, np.float32)
    done = np.zeros(R, bool)
    for c in range(C):
        cdf += p[:, c]
        last = np.where(p[:, c] > 0, c, last)
        hit = ~done & (target < cdf)
        out[hit] = c
        done |= hit
    out[~done] = last[~done]
    out[~(total > 0)] = -1
    return torch.from_numpy(out).to(probs.device)


# ----------------------------------------------------------------------------------------------------
# Checkpoint and sampler (Checkpoint.swift, Sampler.swift).
# ----------------------------------------------------------------------------------------------------


class Reference:
    """A checkpoint: record (the JSON header) and the model with its weights."""

    def __init__(self, record: dict, model: GraphTransformer):
        self.record = record
        self.model = model

    @classmethod
    def load(cls, path: str, device: str = "cpu") -> "Reference":
        tensors, meta = read_safetensors(path)
        if "nasdiff" not in meta:
            sys.exit(f"{path}: no 'nasdiff' metadata: not written by nasdiff train")
        record = json.loads(meta["nasdiff"])
        model = GraphTransformer(ModelConfig.from_json(record["model"]))
        state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items() if not k.startswith("optimizer.")}
        model.load_state_dict(state, strict=True)       # every name and shape must match
        return cls(record, model.to(device).eval())

    @classmethod
    def fresh(cls, preset: str, device: str = "cpu", seed: int = 0, diffusion_steps: int = 500) -> "Reference":
        """The `nasdiff bench sample --space nb201` workload without a checkpoint: NB201's dimensions (7 node
        classes, 8 nodes), two binary conditions + t/T (W = 5), diffused edges, random weights (speed does
        not depend on them). Marginals and node counts are NB201's, as the trainer would record them."""
        torch.manual_seed(seed)
        model = GraphTransformer(ModelConfig.preset(preset, nodeClasses=7, conditionWidth=5, maxNodes=8))
        binary = {"rule": {"top": {"fraction": 0.05}}, "cuts": [0.0], "satisfiedAbove": True}
        record = {
            "space": "nb201", "model": asdict(model.config), "fixedEdges": False, "fixedPairs": None,
            "schedule": {"steps": diffusion_steps, "alphaBars": cosine_alpha_bars(diffusion_steps).tolist()},
            "nodeMarginal": [15625, 15625] + [18750] * 5, "edgeMarginal": [562500, 312500],
            "nodeCountHistogram": [0] * 8 + [15625],
            "conditions": [dict(binary, metric="cond0", text="cond0:top5%"), dict(binary, metric="cond1", text="cond1:top5%")],
            "training": {"timestep": True},
        }
        return cls(record, model.to(device).eval())

    @property
    def device(self) -> torch.device:
        return self.model.positional.device

    def targets(self, texts: list[str]) -> list[tuple[int, int]]:
        """ConditionTarget: "METRIC" (or the condition's text) = class 1 of a binary condition, the top bin
        of a binned one; "METRIC=K" = class K. Returns (condition index, class)."""
        conds = self.record["conditions"]
        out = []
        for t in texts:
            name, _, k = t.partition("=")
            idx = next((i for i, c in enumerate(conds) if name in (c["metric"], c["text"])), None)
            if idx is None:
                sys.exit(f"condition {t!r}: the checkpoint has {[c['text'] for c in conds]}")
            width = condition_width(conds[idx])
            cls = int(k) if k else (1 if width == 2 else width - 1)
            out.append((idx, cls))
        return out

    @torch.inference_mode()
    def sample(self, batch: int, steps: int | None, targets: list[tuple[int, int]], guidance: str = "joint",
               weights: list[float] | None = None, seed: int = 0, rng: str = "torch", batch_index: int = 0,
               support_threshold: float = 1e-4):
        """One batch of guided ancestral (S = T) or strided (S < T) sampling, as Sampler.sampleBatch.
        rng "torch": torch's generator (fast, for timing); "philox": the Swift sampler's streams (SplitMix64
        node counts, Philox draws keyed by seed + batch_index·φ), for draw-by-draw comparison.
        Returns node classes [B, n], pair classes [B, n, n] and node counts [B]."""
        rec, model, dev = self.record, self.model, self.device
        c = model.config
        n, dX, W, B = c.maxNodes, c.nodeClasses, c.conditionWidth, batch
        T = rec["schedule"]["steps"]
        times = timesteps(T, steps or T)
        gen = torch.Generator(device=dev)
        gen.manual_seed(seed)
        weights = weights or [2.0]
        if not targets:
            passes = 1
        elif guidance == "joint":
            passes = 2
        else:  # composed: one conditional pass per target
            passes = 1 + len(targets)
            if len(weights) == 1:
                weights = weights * len(targets)

        # Node counts from the training histogram, and the node mask (the same for every pass).
        hist = torch.tensor(rec["nodeCountHistogram"], dtype=torch.float64, device=dev)
        philox = rng == "philox"
        key = (seed + batch_index * 0x9E3779B97F4A7C15) & _M64
        if philox:
            sm, hist_list, counts_list = SplitMix64(key), rec["nodeCountHistogram"], []
            for _ in range(B):
                u, m = sm.below(max(sum(hist_list), 1)), n
                for size, h in enumerate(hist_list):
                    if u < h:
                        m = size
                        break
                    u -= h
                counts_list.append(m)
            counts = torch.tensor(counts_list, device=dev)
        else:
            counts = torch.multinomial(hist, B, replacement=True, generator=gen)
        mask = (torch.arange(n, device=dev)[None, :] < counts[:, None]).float()
        mask_all = mask.repeat(passes, 1)

        # y per pass: pass 0 is the null (all conditions dropped); each conditional pass sets the one-hot
        # of its target class in its condition's block. t/T goes into the last column.
        cols = np.cumsum([0] + [condition_width(x) for x in rec["conditions"]])
        y_pass = torch.zeros(passes, W, device=dev)
        for p in range(1, passes):
            active = targets if guidance == "joint" else [targets[p - 1]]
            for ci, k in active:
                y_pass[p, cols[ci] + k] = 1
        y_base = y_pass.repeat_interleave(B, dim=0)                             # [passes·B, W]
        timestep = rec["model"].get("timestep", True)

        # Per-step matrices (Q_{s→t}, Q̄_s, Q̄_t for nodes and edges), made before the loop.
        abar = rec["schedule"]["alphaBars"]
        mx = np.asarray(rec["nodeMarginal"], dtype=np.float64); mx /= mx.sum()
        me = np.asarray(rec["edgeMarginal"], dtype=np.float64); me /= me.sum()
        mats = []
        for k in range(len(times) - 1):
            t, s = times[k], times[k + 1]
            mats.append(tuple(torch.from_numpy(np.stack([transition_matrix(m, abar[t] / abar[s]),
                                                         transition_matrix(m, abar[s]),
                                                         transition_matrix(m, abar[t])])).to(dev) for m in (mx, me)))

        # z_T: nodes from the marginal; edges fixed (the space's adjacency) or from the marginal, mirrored.
        # (Philox: the Swift sampler draws z_T from the record's unnormalised counts, streams 0xFFFF000x.)
        if philox:
            raw = lambda m, rows: torch.tensor(m, dtype=torch.float32, device=dev).repeat(rows, 1)  # noqa: E731
            zx = philox_draw(raw(rec["nodeMarginal"], B * n), key, 0xFFFF0000).view(B, n)
        else:
            zx = torch.multinomial(torch.from_numpy(mx).float().to(dev), B * n, replacement=True, generator=gen).view(B, n)
        fixed = bool(rec.get("fixedEdges")) and rec.get("fixedPairs") is not None
        if fixed:
            ze = torch.tensor(rec["fixedPairs"], device=dev).clamp_min(0).view(1, n, n).repeat(B, 1, 1)
        elif philox:
            ze = mirror_pairs(philox_draw(raw(rec["edgeMarginal"], B * n * n), key, 0xFFFF0001).view(B, n, n))
        else:
            ze = torch.multinomial(torch.from_numpy(me).float().to(dev), B * n * n, replacement=True, generator=gen)
            ze = mirror_pairs(ze.view(B, n, n))

        for k in range(len(times) - 1):
            x0 = F.one_hot(zx, dX).float()
            e0 = F.one_hot(ze, 2).float()
            if passes > 1:  # the same noisy graph for every pass, different y
                x0, e0 = x0.repeat(passes, 1, 1), e0.repeat(passes, 1, 1, 1)
            y = y_base.clone()
            if timestep:
                y[:, W - 1] = times[k] / T
            xl, el = model(x0, e0, y, mask_all)
            truncate = passes > 1 and support_threshold > 0
            if truncate:  # SamplingOptions.supportThreshold: the unconditional pass decides which classes may occur
                keep_x = torch.softmax(xl.view(passes, B, n, dX)[0], -1) >= support_threshold
                keep_e = torch.softmax(el.view(passes, B, n, n, 2)[0], -1) >= support_threshold
            if passes > 1:  # guidance in logit space
                xl, el = xl.view(passes, B, n, dX), el.view(passes, B, n, n, 2)
                if guidance == "joint":
                    w = weights[0]
                    xl, el = (1 + w) * xl[1] - w * xl[0], (1 + w) * el[1] - w * el[0]
                else:
                    # f(∅) + Σ (1 + w_k)(f(c_k) − f(∅)): one condition equals joint guidance with the same w.
                    keep = 1 - sum(1 + w for w in weights)
                    wt = torch.tensor([keep] + [1 + w for w in weights], device=dev, dtype=xl.dtype)
                    xl = (wt.view(-1, 1, 1, 1) * xl).sum(0)
                    el = (wt.view(-1, 1, 1, 1, 1) * el).sum(0)
            qx, qe = mats[k]
            px = torch.softmax(xl.reshape(-1, dX), -1)
            if truncate:
                px = px * keep_x.reshape(-1, dX)
            post = posterior(px, zx.reshape(-1), qx[0], qx[1], qx[2])
            zx = (philox_draw(post, key, 2 * k) if philox else draw(post, gen)).view(B, n)
            if not fixed:
                pe = torch.softmax(el.reshape(-1, 2), -1)
                if truncate:
                    pe = pe * keep_e.reshape(-1, 2)
                post = posterior(pe, ze.reshape(-1), qe[0], qe[1], qe[2])
                ze = mirror_pairs((philox_draw(post, key, 2 * k + 1) if philox else draw(post, gen)).view(B, n, n))
        return zx, ze, counts


class PredictorReference:
    """A predictor file (Predictor.swift): record (the "nasdiff-predictor" JSON header: model config,
    mean/std of the standardised metric, noise fingerprint, ...) and the network with its weights."""

    metadata_key = "nasdiff-predictor"

    def __init__(self, record: dict, model: PredictorNet):
        self.record = record
        self.model = model

    @classmethod
    def load(cls, path: str, device: str = "cpu") -> "PredictorReference":
        tensors, meta = read_safetensors(path)
        if cls.metadata_key not in meta:
            sys.exit(f"{path}: no '{cls.metadata_key}' metadata: not written by nasdiff predictor train")
        record = json.loads(meta[cls.metadata_key])
        model = PredictorNet(ModelConfig.from_json(record["model"]))
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
        return cls(record, model.to(device).eval())

    @property
    def device(self) -> torch.device:
        return self.model.positional.device


def condition_width(c: dict) -> int:
    rule = c["rule"]
    return rule["bins"]["_0"] if "bins" in rule else 2


# ----------------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------------


def cmd_forward(a) -> None:
    ref = Reference.load(a.checkpoint, a.device)
    t, _ = read_safetensors(a.inputs)
    dev = ref.device
    arg = lambda name: torch.from_numpy(np.asarray(t[name], dtype=np.float32)).to(dev)  # noqa: E731
    with torch.inference_mode():
        xl, el = ref.model(arg("x0"), arg("e0"), arg("y"), arg("node_mask"))
    write_safetensors(a.out, {"x_logits": xl.cpu().numpy(), "e_logits": el.cpu().numpy()})
    print(f"forward: {xl.shape[0]} graphs on {dev} -> {a.out}", file=sys.stderr)


def cmd_predictor_forward(a) -> None:
    ref = PredictorReference.load(a.predictor, a.device)
    dtype = {"float32": torch.float32, "float64": torch.float64}[a.dtype]
    model = ref.model.to(dtype)
    t, _ = read_safetensors(a.inputs)
    arg = lambda name: torch.from_numpy(np.asarray(t[name])).to(ref.device, dtype)  # noqa: E731
    pred, dx0, de0 = model.prediction_and_input_gradients(arg("x0"), arg("e0"), arg("y"), arg("node_mask"))
    write_safetensors(a.out, {"prediction": pred.cpu().numpy(), "d_x0": dx0.cpu().numpy(), "d_e0": de0.cpu().numpy()})
    print(f"predictor-forward: {pred.shape[0]} graphs on {ref.device} ({a.dtype}) -> {a.out}", file=sys.stderr)


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def cmd_bench(a) -> None:
    ref = Reference.load(a.checkpoint, a.device) if a.checkpoint else Reference.fresh(a.preset, a.device, a.seed)
    if a.compile:
        ref.model = torch.compile(ref.model)
    if a.condition:
        targets = ref.targets(a.condition)
    elif a.guidance == "none":
        targets = []
    else:  # like `nasdiff bench sample`: every condition's satisfied class
        targets = ref.targets([c["metric"] for c in ref.record["conditions"]])
    S = a.steps or ref.record["schedule"]["steps"]
    passes = 1 if not targets else (2 if a.guidance != "composed" else 1 + len(targets))
    dev, c = ref.device, ref.model.config
    flops = ref.model.forward_flops(passes * a.batch) * S
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    params = sum(p.numel() for p in ref.model.parameters())
    print(f"device: {name}, torch {torch.__version__}{' (torch.compile)' if a.compile else ''}")
    print(f"workload: {a.checkpoint or a.preset} ({params} parameters), {c.layers} layers dx={c.dx}, n={c.maxNodes}, "
          f"batch {a.batch}, {S} steps, {passes} passes per step, {flops / 1e9:.2f} GFLOP per run")
    guidance = "joint" if a.guidance == "none" else a.guidance
    weights = [float(w) for w in a.weight.split(",")]
    ref.sample(a.batch, S, targets, guidance, weights, seed=a.seed)          # warm-up: allocator, kernels
    _sync(dev)
    times = []
    for r in range(a.repetitions):
        t0 = time.perf_counter()
        ref.sample(a.batch, S, targets, guidance, weights, seed=a.seed + 1 + r)
        _sync(dev)
        times.append(time.perf_counter() - t0)
    m = statistics.median(times)
    print(f"run: median {m:.3f} s (min {min(times):.3f}, max {max(times):.3f}) = {1000 * m / a.batch:.2f} ms per "
          f"architecture, {flops / m / 1e12:.4f} TFLOP/s")


def cmd_bench_train(a) -> None:
    """The `nasdiff bench train` workload: forward, loss (CE(X) + λ·CE(E) over real nodes and off-diagonal
    pairs), backward and AdamW (AMSGrad) per step, on NB201-sized random graphs with random weights.
    The noising runs on the device too (t ~ U{0..T}, rows of Q̄_t, one draw per node and pair), and every
    step reads the loss back, as the Swift trainer does to stop on a non-finite loss."""
    ref = Reference.fresh(a.preset, a.device, a.seed)
    model, dev, rec = ref.model.train(), ref.device, ref.record
    if a.compile:
        model = torch.compile(model)
    c = ref.model.config
    B, n, dX, W = a.batch, c.maxNodes, c.nodeClasses, c.conditionWidth
    T = rec["schedule"]["steps"]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-12, amsgrad=True)
    abar = rec["schedule"]["alphaBars"]
    mx = np.asarray(rec["nodeMarginal"], dtype=np.float64); mx /= mx.sum()
    me = np.asarray(rec["edgeMarginal"], dtype=np.float64); me /= me.sum()
    qbar_x = torch.from_numpy(np.stack([transition_matrix(mx, abar[t]) for t in range(T + 1)])).to(dev)
    qbar_e = torch.from_numpy(np.stack([transition_matrix(me, abar[t]) for t in range(T + 1)])).to(dev)
    # A pool of clean graphs (speed does not depend on which): node classes, symmetric pairs, 0 diagonal.
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)
    pool_size = 4096
    clean_x = torch.randint(0, dX, (pool_size, n), device=dev, generator=gen)
    clean_e = mirror_pairs(torch.randint(0, 2, (pool_size, n, n), device=dev, generator=gen))
    offdiag = ~torch.eye(n, dtype=torch.bool, device=dev)
    mask = torch.ones(B, n, device=dev)
    rows = torch.arange(B, device=dev)

    def step() -> torch.Tensor:
        idx = torch.randint(0, pool_size, (B,), device=dev, generator=gen)
        xc, ec = clean_x[idx], clean_e[idx]
        t = torch.randint(0, T + 1, (B,), device=dev, generator=gen)
        px = qbar_x[t][rows[:, None], xc]                                     # [B, n, dX]: rows Q̄_t[x]
        zx = torch.multinomial(px.view(-1, dX), 1, generator=gen).view(B, n)
        pe = qbar_e[t][rows[:, None, None], ec]                               # [B, n, n, 2]
        ze = mirror_pairs(torch.multinomial(pe.view(-1, 2), 1, generator=gen).view(B, n, n))
        y = torch.zeros(B, W, device=dev)
        for col in (0, 2):  # two binary conditions, each dropped to null with probability 0.1
            cls = torch.randint(0, 2, (B,), device=dev, generator=gen)
            keep = (torch.rand(B, device=dev, generator=gen) >= 0.1).float()
            y[rows, col + cls] = keep
        y[:, W - 1] = t.float() / T
        xl, el = model(F.one_hot(zx, dX).float(), F.one_hot(ze, 2).float(), y, mask)
        loss = F.cross_entropy(xl.reshape(-1, dX), xc.reshape(-1)) \
            + 5.0 * F.cross_entropy(el[:, offdiag].reshape(-1, 2), ec[:, offdiag].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    flops = 3 * ref.model.forward_flops(B)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    params = sum(p.numel() for p in ref.model.parameters())
    print(f"device: {name}, torch {torch.__version__}{' (torch.compile)' if a.compile else ''}")
    print(f"workload: {a.preset} ({params} parameters), batch {B}, {flops / 1e9:.1f} GFLOP per step")
    for _ in range(3):                                                        # warm-up: allocator, kernels
        step().item()
    _sync(dev)
    per_step = []
    for _ in range(a.repetitions):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            if not math.isfinite(step().item()):
                sys.exit("non-finite loss")
        _sync(dev)
        per_step.append((time.perf_counter() - t0) / a.steps)
    m = statistics.median(per_step)
    print(f"step: median {1000 * m:.2f} ms (min {1000 * min(per_step):.2f}, max {1000 * max(per_step):.2f}) = "
          f"{B / m:.0f} graphs/s, {flops / m / 1e12:.4f} TFLOP/s")


def cmd_sample(a) -> None:
    ref = Reference.load(a.checkpoint, a.device)
    targets = ref.targets(a.condition)
    weights = [float(w) for w in a.weight.split(",")]
    zx, ze, counts = ref.sample(a.batch, a.steps, targets, a.guidance, weights, seed=a.seed, rng=a.rng)
    lines = []
    for g in range(a.batch):
        m = int(counts[g])
        lines.append(json.dumps({"nodes": zx[g, :m].tolist(), "pairs": ze[g, :m, :m].tolist()}))
    text = "\n".join(lines) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda, cuda:N")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    sub = p.add_subparsers(dest="cmd", required=True)

    f = sub.add_parser("forward", help="one forward pass: inputs file -> logits file (parity.py uses it)")
    f.add_argument("--checkpoint", required=True)
    f.add_argument("--inputs", required=True, help="safetensors with x0 [G,n,dX], e0 [G,n,n,2], y [G,W], node_mask [G,n]")
    f.add_argument("--out", required=True, help="safetensors to write x_logits, e_logits to")
    f.set_defaults(run=cmd_forward)

    f = sub.add_parser("predictor-forward", help="a predictor's forward and input gradients: inputs file -> outputs "
                       "file (predictor_parity.py uses the same code)")
    f.add_argument("--predictor", required=True, help="safetensors written by `nasdiff predictor train`")
    f.add_argument("--inputs", required=True, help="safetensors with x0 [G,n,dX], e0 [G,n,n,2], y [G,1] (t/T), node_mask [G,n]")
    f.add_argument("--out", required=True,
                   help="safetensors to write prediction [G] (standardised), d_x0 [G,n,dX], d_e0 [G,n,n,2] (gradients of Σ prediction) to")
    f.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="compute precision (written as F32)")
    f.set_defaults(run=cmd_predictor_forward)

    b = sub.add_parser("bench", help="time full guided sampling runs: ms per architecture")
    b.add_argument("--checkpoint", help="checkpoint to sample from (default: random weights of --preset, NB201 dims)")
    b.add_argument("--preset", default="dinas", choices=["dinas", "small", "tiny"])
    b.add_argument("--batch", type=int, default=192)
    b.add_argument("--steps", type=int, default=None, help="denoising steps S (default: the trained T)")
    b.add_argument("--condition", action="append", default=[], help="METRIC or METRIC=K (default: all conditions)")
    b.add_argument("--guidance", default="joint", choices=["joint", "composed", "none"])
    b.add_argument("--weight", default="2")
    b.add_argument("--repetitions", type=int, default=3)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--compile", action="store_true", help="torch.compile the model (the bar a PyTorch user can reach)")
    b.set_defaults(run=cmd_bench)

    t = sub.add_parser("bench-train", help="time training steps (forward, loss, backward, AdamW): graphs/s")
    t.add_argument("--preset", default="dinas", choices=["dinas", "small", "tiny"])
    t.add_argument("--batch", type=int, default=256)
    t.add_argument("--steps", type=int, default=10, help="steps per repetition")
    t.add_argument("--repetitions", type=int, default=3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--compile", action="store_true", help="torch.compile the model")
    t.set_defaults(run=cmd_bench_train)

    s = sub.add_parser("sample", help="sample one batch; JSON lines of node classes and pair classes")
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--batch", type=int, default=16)
    s.add_argument("--steps", type=int, default=None)
    s.add_argument("--condition", action="append", default=[])
    s.add_argument("--guidance", default="joint", choices=["joint", "composed"])
    s.add_argument("--weight", default="2")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--rng", default="torch", choices=["torch", "philox"],
                   help="philox: the Swift sampler's random streams (same seed -> same draws as nasdiff sample)")
    s.add_argument("--out", default="-")
    s.set_defaults(run=cmd_sample)

    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    a.run(a)


if __name__ == "__main__":
    main()
