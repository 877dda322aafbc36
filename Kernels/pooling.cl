// Per-graph pooling over positions (dinas-spec §3.4, Xtoy/Etoy): for inp (G, P, C),
// out[g] = [mean_p, min_p, max_p, std_p] with the unbiased std (N − 1, torch.std); P = 1 gives
// std 0 where PyTorch gives NaN. Variance is two-pass, Σ(x − mean)², for accuracy. A channel whose
// positions are all equal (min = max; the class-embedding half of E is so over a graph's pairs) gets
// mean = that value and std = 0 exactly: the rounded mean would leave a std of ~1e-8, and the
// backward's std term dstd·(x − mean)/((P − 1)·std) would then be noise of the size of dstd.
// Forward in two shapes: *_group (GPU: a work-group of 32 channels × 8 position lanes per
// (channel block, graph), lanes tree-reduced in local memory) and *_columns (CPU: one work item
// per (graph, channel)). The backward is one work item per (graph, channel) on every device: it
// must walk the positions in order anyway to find the FIRST index attaining the min and the max.

__kernel void pool_forward_group(__global float* out, int out_off, __global const float* inp, int inp_off,
                                 int graphs, int positions, int dim, __local float* buf) {
    int c = get_global_id(0);
    int g = get_group_id(1);
    if (g >= graphs) return; // uniform over the group
    int lx = get_local_id(0), ly = get_local_id(1);
    int width = get_local_size(0), lanes = get_local_size(1);
    int slot = ly * width + lx;
    __local float* bs = buf;
    __local float* bmin = buf + width * lanes;
    __local float* bmax = buf + 2 * width * lanes;
    __global const float* x = inp + inp_off + g * positions * dim + c;

    float s = 0.0f, lo = INFINITY, hi = -INFINITY;
    if (c < dim) {
        for (int p = ly; p < positions; p += lanes) {
            float v = x[p * dim];
            s += v;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    bs[slot] = s;
    bmin[slot] = lo;
    bmax[slot] = hi;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = lanes >> 1; k > 0; k >>= 1) {
        if (ly < k) {
            bs[slot] += bs[slot + k * width];
            bmin[slot] = fmin(bmin[slot], bmin[slot + k * width]);
            bmax[slot] = fmax(bmax[slot], bmax[slot + k * width]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float mu = bs[lx] / (float)positions;
    barrier(CLK_LOCAL_MEM_FENCE); // bs is reused below

    float q = 0.0f;
    if (c < dim) {
        for (int p = ly; p < positions; p += lanes) {
            float d = x[p * dim] - mu;
            q += d * d;
        }
    }
    bs[slot] = q;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = lanes >> 1; k > 0; k >>= 1) {
        if (ly < k) bs[slot] += bs[slot + k * width];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && c < dim) {
        __global float* o = out + out_off + g * 4 * dim + c;
        const int flat = bmin[lx] == bmax[lx];
        o[0] = flat ? bmin[lx] : mu;
        o[dim] = bmin[lx];
        o[2 * dim] = bmax[lx];
        o[3 * dim] = positions > 1 && !flat ? sqrt(bs[lx] / (float)(positions - 1)) : 0.0f;
    }
}

__kernel void pool_forward_columns(__global float* out, int out_off, __global const float* inp, int inp_off,
                                   int graphs, int positions, int dim) {
    int i = get_global_id(0);
    if (i >= graphs * dim) return;
    int g = i / dim, c = i - g * dim;
    __global const float* x = inp + inp_off + g * positions * dim + c;
    float s = 0.0f, lo = INFINITY, hi = -INFINITY;
    for (int p = 0; p < positions; ++p) {
        float v = x[p * dim];
        s += v;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    float mu = s / (float)positions;
    float q = 0.0f;
    for (int p = 0; p < positions; ++p) {
        float d = x[p * dim] - mu;
        q += d * d;
    }
    __global float* o = out + out_off + g * 4 * dim + c;
    const int flat = lo == hi;
    o[0] = flat ? lo : mu;
    o[dim] = lo;
    o[2 * dim] = hi;
    o[3 * dim] = positions > 1 && !flat ? sqrt(q / (float)(positions - 1)) : 0.0f;
}

// dinp[g,p,c] += dmean/P + dstd·(x − mean)/((P − 1)·std) + dmin·[p = first argmin] + dmax·[p = first argmax].
// The min and max are found again by equality with the saved forward values (they are exact copies
// of inputs). std = 0 (all positions equal, or P = 1) passes no std gradient, as in PyTorch.
__kernel void pool_backward_columns(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                                    __global const float* inp, int inp_off, __global const float* out, int out_off,
                                    int graphs, int positions, int dim) {
    int i = get_global_id(0);
    if (i >= graphs * dim) return;
    int g = i / dim, c = i - g * dim;
    __global const float* o = out + out_off + g * 4 * dim + c;
    __global const float* d = dout + dout_off + g * 4 * dim + c;
    float mu = o[0], lo = o[dim], hi = o[2 * dim], sd = o[3 * dim];
    float dmean = d[0] / (float)positions, dlo = d[dim], dhi = d[2 * dim];
    float k = sd > 0.0f ? d[3 * dim] / ((float)(positions - 1) * sd) : 0.0f;
    __global const float* x = inp + inp_off + g * positions * dim + c;
    __global float* dx = dinp + dinp_off + g * positions * dim + c;
    int loFound = 0, hiFound = 0;
    for (int p = 0; p < positions; ++p) {
        float v = x[p * dim];
        float grad = dmean + k * (v - mu);
        if (!loFound && v == lo) { grad += dlo; loFound = 1; }
        if (!hiFound && v == hi) { grad += dhi; hiFound = 1; }
        dx[p * dim] += grad;
    }
}
