// Symmetrisation of pair tensors (dinas-spec §3.2, §2.5): out[g,i,j,:] = (x[g,i,j,:] + x[g,j,i,:]) / 2 · f,
// with x = inp (+ res when has_res) and f = mask[g,i]·mask[g,j] (1 without has_mask), 0 on the
// diagonal when zero_diagonal: the model's add, symmetrise and pair mask in one pass (masks are 0/1,
// so the order changes no bit). Pair rows are (g·n + i)·n + j; one work item per element, and the
// one with i ≤ j reads both entries before writing both: that makes out == inp (in place) safe, and
// the result exactly symmetric (a + b == b + a in floating point).

__kernel void symmetrize_pairs(__global float* out, int out_off, __global const float* inp, int inp_off,
                               __global const float* res, int res_off, int has_res,
                               __global const float* mask, int mask_off, int has_mask, int zero_diagonal,
                               int graphs, int n, int dim) {
    const int idx = get_global_id(0);
    if (idx >= graphs * n * n * dim) return;
    const int c = idx % dim, t = (idx / dim) % (n * n), g = idx / (dim * n * n);
    const int i = t / n, j = t - i * n;
    if (i > j) return;
    const int ij = idx, ji = ((g * n + j) * n + i) * dim + c;
    float a = inp[inp_off + ij], b = inp[inp_off + ji];
    if (has_res) {
        a += res[res_off + ij];
        b += res[res_off + ji];
    }
    float f = has_mask ? mask[mask_off + g * n + i] * mask[mask_off + g * n + j] : 1.0f;
    if (zero_diagonal && i == j) f = 0.0f;
    const float s = (a + b) * 0.5f * f;
    out[out_off + ij] = s;
    out[out_off + ji] = s;
}

// The backward of the plain symmetrisation (the masks' backward is applyPairMask on the gradient):
// dinp[g,i,j,:] += (dout[g,i,j,:] + dout[g,j,i,:]) / 2
__kernel void symmetrize_pairs_backward(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                                        int graphs, int n, int dim) {
    int c = get_global_id(0), t = get_global_id(1), g = get_global_id(2);
    if (c >= dim || t >= n * n || g >= graphs) return;
    int i = t / n, j = t - i * n;
    int ij = ((g * n + i) * n + j) * dim + c, ji = ((g * n + j) * n + i) * dim + c;
    dinp[dinp_off + ij] += (dout[dout_off + ij] + dout[dout_off + ji]) * 0.5f;
}
