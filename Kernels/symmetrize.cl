// Symmetrisation of pair tensors (dinas-spec §3.2, §2.5): out[g,i,j,:] = (inp[g,i,j,:] + inp[g,j,i,:]) / 2.
// Pair rows are (g·n + i)·n + j; work items are (channel, i·n + j, graph). The forward gives each
// unordered pair {i, j} to ONE work item (the one with i ≤ j), which reads both entries before
// writing both: that makes out == inp (in place) safe, and the result exactly symmetric
// (a + b == b + a in floating point).

__kernel void symmetrize_pairs(__global float* out, int out_off, __global const float* inp, int inp_off,
                               int graphs, int n, int dim) {
    int c = get_global_id(0), t = get_global_id(1), g = get_global_id(2);
    if (c >= dim || t >= n * n || g >= graphs) return;
    int i = t / n, j = t - i * n;
    if (i > j) return;
    int ij = ((g * n + i) * n + j) * dim + c, ji = ((g * n + j) * n + i) * dim + c;
    float s = (inp[inp_off + ij] + inp[inp_off + ji]) * 0.5f;
    out[out_off + ij] = s;
    out[out_off + ji] = s;
}

// dinp[g,i,j,:] += (dout[g,i,j,:] + dout[g,j,i,:]) / 2
__kernel void symmetrize_pairs_backward(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                                        int graphs, int n, int dim) {
    int c = get_global_id(0), t = get_global_id(1), g = get_global_id(2);
    if (c >= dim || t >= n * n || g >= graphs) return;
    int i = t / n, j = t - i * n;
    int ij = ((g * n + i) * n + j) * dim + c, ji = ((g * n + j) * n + i) * dim + c;
    dinp[dinp_off + ij] += (dout[dout_off + ij] + dout[dout_off + ji]) * 0.5f;
}
