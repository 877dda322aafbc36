// Concatenation with a per-graph vector broadcast over positions (dinas-spec §3.2: the class
// embeddings cX, cE are appended to every node / pair): for a (G, P, A) and b (G, B),
// out[g,p,:] = [a[g,p,:], b[g,:]], width W = A + B. A may be 0 (Device.repeatRows); a is then not read.
#include "row_mask.cl"

// The forward also does the rest of the model's input assembly in the same pass, each part only when
// asked (Device.concatBroadcastForward): sym_n > 0 symmetrises a's part over pairs (a's rows are
// (g·n + i)·n + j; b's part is one vector per graph, symmetric already), as symmetrize_pairs does;
// table_rows > 0 adds row r % table_rows of the table; mask_mode multiplies by the row's padding mask
// (row_mask_factor), last. The operations and their order are those of the separate kernels, so the
// result is the same to the bit.
__kernel void concat_broadcast_forward(__global float* out, int out_off, __global const float* a, int a_off,
                                       __global const float* b, int b_off, int graphs, int positions,
                                       int dimA, int dimB, __global const float* table, int table_off, int table_rows,
                                       __global const float* mask, int mask_off, int mask_mode, int mask_n, int sym_n) {
    const int i = get_global_id(0);
    const int width = dimA + dimB;
    if (i >= graphs * positions * width) return;
    const int r = i / width, c = i - r * width;
    float v;
    if (c < dimA) {
        v = a[a_off + r * dimA + c];
        if (sym_n > 0) {
            const int nn = sym_n * sym_n, g = r / nn, t = r - g * nn, pi = t / sym_n, pj = t - pi * sym_n;
            v = (v + a[a_off + ((g * sym_n + pj) * sym_n + pi) * dimA + c]) * 0.5f;
        }
    } else {
        v = b[b_off + (r / positions) * dimB + (c - dimA)];
    }
    if (table_rows > 0) v += table[table_off + (r % table_rows) * width + c];
    out[out_off + i] = v * row_mask_factor(mask + mask_off, mask_mode, mask_n, r);
}

// da[g,p,:] += dout[g,p,0..<A]
__kernel void concat_broadcast_backward_a(__global float* da, int da_off, __global const float* dout, int dout_off,
                                          int rows, int dimA, int dimB) {
    int i = get_global_id(0);
    if (i >= rows * dimA) return;
    int r = i / dimA, c = i - r * dimA;
    da[da_off + i] += dout[dout_off + r * (dimA + dimB) + c];
}

// db[g,c] += Σ_p dout[g,p,A + c]: one work item per (graph, channel) walks the positions.
__kernel void concat_broadcast_backward_b(__global float* db, int db_off, __global const float* dout, int dout_off,
                                          int graphs, int positions, int dimA, int dimB) {
    int i = get_global_id(0);
    if (i >= graphs * dimB) return;
    int g = i / dimB, c = i - g * dimB;
    int width = dimA + dimB;
    __global const float* d = dout + dout_off + g * positions * width + dimA + c;
    float s = 0.0f;
    for (int p = 0; p < positions; ++p) s += d[p * width];
    db[db_off + i] += s;
}
