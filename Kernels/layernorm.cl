// LayerNorm over the last axis (PyTorch semantics: biased variance, eps 1e-5, affine gamma/beta).
// The forward saves each row's mean and rstd = 1/sqrt(var + eps) for the backward.
// Two shapes of every kernel: *_group (GPU: one work-group per row, local-memory tree reductions)
// and *_rows / *_columns (CPU: one work item per row or channel, plain loops). Both compute the
// variance in two passes, Σ(x − mean)², which stays accurate when |mean| ≫ std.

#include "row_mask.cl"

#define LN_EPS 1e-5f

// Sum of one float per work item along axis 0 of the work-group, whose size there is a power of two;
// each index along axis 1 (a row, where a group holds several) is summed apart. `buf` holds the
// group's size in floats. Every work item must call it (it holds barriers); each gets its row's total.
float group_sum(float v, __local float* buf) {
    int lid = get_local_id(0), size = get_local_size(0);
    buf += get_local_id(1) * size;
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = size >> 1; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE); // nobody may overwrite buf before everyone has read buf[0]
    return total;
}

// ---- GPU shape ----------------------------------------------------------------------------

__kernel void layernorm_forward_group(__global float* out, int out_off, __global float* mean, int mean_off,
                                      __global float* rstd, int rstd_off, __global const float* inp, int inp_off,
                                      __global const float* gamma, int gamma_off, __global const float* beta, int beta_off,
                                      int rows, int dim, __local float* buf) {
    int row = get_group_id(0);
    if (row >= rows) return; // uniform over the group, so no barrier is skipped by half of it
    int lid = get_local_id(0), size = get_local_size(0);
    __global const float* x = inp + inp_off + row * dim;
    __global float* y = out + out_off + row * dim;
    gamma += gamma_off;
    beta += beta_off;

    float s = 0.0f;
    for (int c = lid; c < dim; c += size) s += x[c];
    float mu = group_sum(s, buf) / (float)dim;

    float q = 0.0f;
    for (int c = lid; c < dim; c += size) {
        float d = x[c] - mu;
        q += d * d;
    }
    float r = 1.0f / sqrt(group_sum(q, buf) / (float)dim + LN_EPS);

    for (int c = lid; c < dim; c += size) y[c] = (x[c] - mu) * r * gamma[c] + beta[c];
    if (lid == 0) {
        mean[mean_off + row] = mu;
        rstd[rstd_off + row] = r;
    }
}

// The post-LN residual block in one pass: sum = a + b (stored only when keep_sum: the backward needs
// it, sampling does not), out = LN(sum), then times the row's padding mask (row_mask.cl). The row
// stays in registers, dim ≤ 4 · local size 0; the host picks the smallest width that fits (one warp
// for dim ≤ 128) and stacks rows along axis 1 to 256 items a group. One warp per group would cap a
// streaming multiprocessor at its limit of resident groups (32 on Hopper, half its warps), and the
// pair-row launch ran at ~1.7 TB/s against ~2.6 for plain elementwise kernels. Global (width, rows),
// local (width, rows per group); rows past the end still meet every barrier.
__kernel void add_layernorm_forward_group(__global float* out, int out_off, __global float* mean, int mean_off,
                                          __global float* rstd, int rstd_off, __global float* sum, int sum_off,
                                          __global const float* a, int a_off, __global const float* b, int b_off,
                                          __global const float* gamma, int gamma_off, __global const float* beta, int beta_off,
                                          __global const float* mask, int mask_off, int mode, int n, int keep_sum,
                                          int rows, int dim, __local float* buf) {
    const int row = get_global_id(1), live = row < rows;
    const int lid = get_local_id(0), size = get_local_size(0);
    const int base = row * dim;
    float v[4];
    float s = 0.0f;
    #pragma unroll
    for (int p = 0; p < 4; ++p) {
        const int c = lid + p * size;
        v[p] = 0.0f;
        if (live && c < dim) {
            v[p] = a[a_off + base + c] + b[b_off + base + c];
            if (keep_sum) sum[sum_off + base + c] = v[p];
            s += v[p];
        }
    }
    const float mu = group_sum(s, buf) / (float)dim;
    float q = 0.0f;
    #pragma unroll
    for (int p = 0; p < 4; ++p) {
        const float d = v[p] - mu;
        if (lid + p * size < dim) q += d * d;
    }
    const float r = 1.0f / sqrt(group_sum(q, buf) / (float)dim + LN_EPS);
    if (!live) return;   // no barrier follows
    const float m = row_mask_factor(mask + mask_off, mode, n, row);
    #pragma unroll
    for (int p = 0; p < 4; ++p) {
        const int c = lid + p * size;
        if (c < dim) out[out_off + base + c] = ((v[p] - mu) * r * gamma[gamma_off + c] + beta[beta_off + c]) * m;
    }
    if (lid == 0) {
        mean[mean_off + row] = mu;
        rstd[rstd_off + row] = r;
    }
}

// dinp += rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ·x̂)) with ĝ = dout·gamma, x̂ = (x − mean)·rstd.
__kernel void layernorm_backward_group(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                                       __global const float* inp, int inp_off, __global const float* mean, int mean_off,
                                       __global const float* rstd, int rstd_off, __global const float* gamma, int gamma_off,
                                       int rows, int dim, __local float* buf) {
    int row = get_group_id(0);
    if (row >= rows) return;
    int lid = get_local_id(0), size = get_local_size(0);
    __global const float* x = inp + inp_off + row * dim;
    __global const float* g = dout + dout_off + row * dim;
    __global float* dx = dinp + dinp_off + row * dim;
    gamma += gamma_off;
    float mu = mean[mean_off + row], r = rstd[rstd_off + row];

    float sg = 0.0f, sgx = 0.0f;
    for (int c = lid; c < dim; c += size) {
        float gh = g[c] * gamma[c];
        sg += gh;
        sgx += gh * (x[c] - mu) * r;
    }
    float meanG = group_sum(sg, buf) / (float)dim;
    float meanGX = group_sum(sgx, buf) / (float)dim;

    for (int c = lid; c < dim; c += size) {
        float xh = (x[c] - mu) * r;
        dx[c] += r * (g[c] * gamma[c] - meanG - xh * meanGX);
    }
}

// dgamma[c] = Σ_rows dout·x̂, dbeta[c] = Σ_rows dout: a column sum over many rows. Work-group
// (channels × row lanes) per (channel block, chunk of rows); the lanes are tree-reduced in local
// memory. With several chunks each writes its own partial row (dst[chunk·dim + c]) and
// layernorm_param_grads_finish adds them in a fixed order, so the result is deterministic (no
// atomics). With one chunk the kernel adds into dgamma/dbeta directly (accumulate = 1).
__kernel void layernorm_param_grads_partial(__global float* dgamma_dst, int dgamma_dst_off,
                                            __global float* dbeta_dst, int dbeta_dst_off, int accumulate,
                                            __global const float* dout, int dout_off, __global const float* inp, int inp_off,
                                            __global const float* mean, int mean_off, __global const float* rstd, int rstd_off,
                                            int rows, int dim, int rows_per_chunk, __local float* buf) {
    int c = get_global_id(0);
    int lx = get_local_id(0), ly = get_local_id(1);
    int width = get_local_size(0), lanes = get_local_size(1);
    int chunk = get_group_id(1);
    int r0 = chunk * rows_per_chunk, r1 = min(rows, r0 + rows_per_chunk);

    float sg = 0.0f, sb = 0.0f;
    if (c < dim) {
        for (int r = r0 + ly; r < r1; r += lanes) {
            float d = dout[dout_off + r * dim + c];
            sg += d * (inp[inp_off + r * dim + c] - mean[mean_off + r]) * rstd[rstd_off + r];
            sb += d;
        }
    }
    __local float* bg = buf;
    __local float* bb = buf + width * lanes;
    bg[ly * width + lx] = sg;
    bb[ly * width + lx] = sb;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = lanes >> 1; s > 0; s >>= 1) {
        if (ly < s) {
            bg[ly * width + lx] += bg[(ly + s) * width + lx];
            bb[ly * width + lx] += bb[(ly + s) * width + lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (ly == 0 && c < dim) {
        int i = chunk * dim + c;
        if (accumulate) {
            dgamma_dst[dgamma_dst_off + i] += bg[lx];
            dbeta_dst[dbeta_dst_off + i] += bb[lx];
        } else {
            dgamma_dst[dgamma_dst_off + i] = bg[lx];
            dbeta_dst[dbeta_dst_off + i] = bb[lx];
        }
    }
}

// Adds the per-chunk partials (dgamma rows 0..<chunks, then dbeta rows) into dgamma/dbeta.
__kernel void layernorm_param_grads_finish(__global float* dgamma, int dgamma_off, __global float* dbeta, int dbeta_off,
                                           __global const float* partials, int partials_off, int chunks, int dim) {
    int c = get_global_id(0);
    if (c >= dim) return;
    __global const float* pg = partials + partials_off + c;
    __global const float* pb = pg + chunks * dim;
    float sg = 0.0f, sb = 0.0f;
    for (int k = 0; k < chunks; ++k) {
        sg += pg[k * dim];
        sb += pb[k * dim];
    }
    dgamma[dgamma_off + c] += sg;
    dbeta[dbeta_off + c] += sb;
}

// ---- CPU shape (PoCL): one work item per row or per channel ----------------------------------

__kernel void layernorm_forward_rows(__global float* out, int out_off, __global float* mean, int mean_off,
                                     __global float* rstd, int rstd_off, __global const float* inp, int inp_off,
                                     __global const float* gamma, int gamma_off, __global const float* beta, int beta_off,
                                     int rows, int dim) {
    int row = get_global_id(0);
    if (row >= rows) return;
    __global const float* x = inp + inp_off + row * dim;
    __global float* y = out + out_off + row * dim;
    gamma += gamma_off;
    beta += beta_off;
    float s = 0.0f;
    for (int c = 0; c < dim; ++c) s += x[c];
    float mu = s / (float)dim;
    float q = 0.0f;
    for (int c = 0; c < dim; ++c) {
        float d = x[c] - mu;
        q += d * d;
    }
    float r = 1.0f / sqrt(q / (float)dim + LN_EPS);
    for (int c = 0; c < dim; ++c) y[c] = (x[c] - mu) * r * gamma[c] + beta[c];
    mean[mean_off + row] = mu;
    rstd[rstd_off + row] = r;
}

__kernel void layernorm_backward_rows(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                                      __global const float* inp, int inp_off, __global const float* mean, int mean_off,
                                      __global const float* rstd, int rstd_off, __global const float* gamma, int gamma_off,
                                      int rows, int dim) {
    int row = get_global_id(0);
    if (row >= rows) return;
    __global const float* x = inp + inp_off + row * dim;
    __global const float* g = dout + dout_off + row * dim;
    __global float* dx = dinp + dinp_off + row * dim;
    gamma += gamma_off;
    float mu = mean[mean_off + row], r = rstd[rstd_off + row];
    float sg = 0.0f, sgx = 0.0f;
    for (int c = 0; c < dim; ++c) {
        float gh = g[c] * gamma[c];
        sg += gh;
        sgx += gh * (x[c] - mu) * r;
    }
    float meanG = sg / (float)dim, meanGX = sgx / (float)dim;
    for (int c = 0; c < dim; ++c) {
        float xh = (x[c] - mu) * r;
        dx[c] += r * (g[c] * gamma[c] - meanG - xh * meanGX);
    }
}

__kernel void layernorm_param_grads_columns(__global float* dgamma, int dgamma_off, __global float* dbeta, int dbeta_off,
                                            __global const float* dout, int dout_off, __global const float* inp, int inp_off,
                                            __global const float* mean, int mean_off, __global const float* rstd, int rstd_off,
                                            int rows, int dim) {
    int c = get_global_id(0);
    if (c >= dim) return;
    float sg = 0.0f, sb = 0.0f;
    for (int r = 0; r < rows; ++r) {
        float d = dout[dout_off + r * dim + c];
        sg += d * (inp[inp_off + r * dim + c] - mean[mean_off + r]) * rstd[rstd_off + r];
        sb += d;
    }
    dgamma[dgamma_off + c] += sg;
    dbeta[dbeta_off + c] += sb;
}
