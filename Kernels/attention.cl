// DiGress node–edge attention (dinas-spec §3.4): one softmax over keys j per query row (g, i) and per
// channel c. Node tensors are (graphs*n, dim) with row g*n+i; pair tensors (graphs*n*n, dim) with row
// (g*n+i)*n+j. Work-item dimension 0 is the channel, so neighbouring work-items read neighbouring
// floats of every row (coalesced on a GPU, one SIMD lane each under PoCL's CPU vectoriser); the same
// shape therefore serves both device types and there is no DEVICE_IS_GPU variant.
// The pair tensors dominate the traffic, so each pass touches each pair element once.

// Computes and stores the scores of query row `row` for every key (the edge path uses the masked
// ones too) and folds the valid keys into an online softmax: running max *top, running denominator
// *total, and the returned running Σ exp(score − top)·v. One pass over e1, e2 and scores. What is
// stored is score·film_mul + film_add (1 and 0 unless the sampling path fuses the edge FiLM).
float attention_scores_online_softmax(__global float* scores, __global const float* q, __global const float* k,
                                      __global const float* v, __global const float* e1, __global const float* e2,
                                      __global const float* mask, int row, int n, int dim, int c, float scale,
                                      float film_mul, float film_add, float* top, float* total) {
    int g = row / n;
    float qs = q[row * dim + c] * scale;
    float m = -INFINITY, l = 0.0f, acc = 0.0f;
    for (int j = 0; j < n; j++) {
        int pair = (row * n + j) * dim + c;
        int node = (g * n + j) * dim + c;
        float s = qs * k[node] * (e1[pair] + 1.0f) + e2[pair];
        scores[pair] = s * film_mul + film_add;
        if (mask[g * n + j] != 0.0f) {
            // One exp serves both cases: d = exp(min − max). A new max rescales what was summed so far
            // by d and adds the new key with weight 1; otherwise the new key gets weight d. Written as
            // selects so neighbouring channels (SIMD lanes, warp threads) never diverge. At the first
            // valid key m = −inf, so d = 0 and the running sums restart from that key.
            float d = exp(-fabs(s - m));
            float vj = v[node];
            bool newMax = s > m;
            l = newMax ? l * d + 1.0f : l + d;
            acc = newMax ? acc * d + vj : acc + d * vj;
            m = fmax(m, s);
        }
    }
    *top = m;
    *total = l;
    return acc;
}

// Sampling path (no backward): scores and weightedV only, everything fused in one pass. With `film`,
// the stored scores are already FiLM'd by y for the edge update: score·(1 + fmul[g]) + fadd[g].
__kernel void attention_forward(__global float* scores, int scores_off, __global float* wv, int wv_off,
                                __global const float* q, int q_off, __global const float* k, int k_off,
                                __global const float* v, int v_off, __global const float* e1, int e1_off,
                                __global const float* e2, int e2_off, __global const float* mask, int mask_off,
                                int graphs, int n, int dim, float scale,
                                __global const float* fmul, int fmul_off, __global const float* fadd, int fadd_off, int film) {
    int c = get_global_id(0), row = get_global_id(1);
    if (c >= dim || row >= graphs * n) return;
    const int gc = (row / n) * dim + c;
    const float film_mul = film ? 1.0f + fmul[fmul_off + gc] : 1.0f, film_add = film ? fadd[fadd_off + gc] : 0.0f;
    float top, total;
    float acc = attention_scores_online_softmax(scores + scores_off, q + q_off, k + k_off, v + v_off, e1 + e1_off,
                                                e2 + e2_off, mask + mask_off, row, n, dim, c, scale,
                                                film_mul, film_add, &top, &total);
    wv[wv_off + row * dim + c] = total > 0.0f ? acc / total : 0.0f;
}

// Training path: also stores probs. The second loop re-reads the scores this work-item has just
// written (its own writes are visible to it without a barrier).
__kernel void attention_forward_probs(__global float* scores, int scores_off, __global float* probs, int probs_off,
                                      __global float* wv, int wv_off,
                                      __global const float* q, int q_off, __global const float* k, int k_off,
                                      __global const float* v, int v_off, __global const float* e1, int e1_off,
                                      __global const float* e2, int e2_off, __global const float* mask, int mask_off,
                                      int graphs, int n, int dim, float scale) {
    int c = get_global_id(0), row = get_global_id(1);
    if (c >= dim || row >= graphs * n) return;
    scores += scores_off;
    probs += probs_off;
    mask += mask_off;
    float top, total;
    float acc = attention_scores_online_softmax(scores, q + q_off, k + k_off, v + v_off, e1 + e1_off, e2 + e2_off,
                                                mask, row, n, dim, c, scale, 1.0f, 0.0f, &top, &total);
    // No valid key: total = 0, so probs and weightedV are 0.
    float inv = total > 0.0f ? 1.0f / total : 0.0f;
    wv[wv_off + row * dim + c] = acc * inv;
    int g = row / n;
    for (int j = 0; j < n; j++) {
        int pair = (row * n + j) * dim + c;
        probs[pair] = mask[g * n + j] != 0.0f ? exp(scores[pair] - top) * inv : 0.0f;
    }
}

// One work-item per (graph g, channel c) walks all n*n pairs of that channel. It owns column c of
// dq, dk and dv for graph g outright, so it accumulates the sums over i (dk, dv) and over j (dq)
// without atomics and without a second kernel; a split into per-query and per-key kernels would
// have to recompute the softmax mean term Σ_j probs·v for every (i, j), i.e. n times the traffic.
// Masked keys need no test: their probs are 0.
__kernel void attention_backward(__global float* dq, int dq_off, __global float* dk, int dk_off,
                                 __global float* dv, int dv_off, __global float* de1, int de1_off,
                                 __global float* de2, int de2_off, __global const float* dscores, int dscores_off,
                                 __global const float* dwv, int dwv_off,
                                 __global const float* q, int q_off, __global const float* k, int k_off,
                                 __global const float* v, int v_off, __global const float* e1, int e1_off,
                                 __global const float* probs, int probs_off, __global const float* mask, int mask_off,
                                 int graphs, int n, int dim, float scale, int mask_grads) {
    int c = get_global_id(0), g = get_global_id(1);
    if (c >= dim || g >= graphs) return;
    dq += dq_off; dk += dk_off; dv += dv_off; de1 += de1_off; de2 += de2_off;
    dscores += dscores_off; dwv += dwv_off; q += q_off; k += k_off; v += v_off; e1 += e1_off; probs += probs_off;
    mask += mask_off;
    for (int i = 0; i < n; i++) {
        int row = g * n + i;
        const float mi = mask_grads ? mask[row] : 1.0f;
        float qs = q[row * dim + c] * scale;
        float dw = dwv[row * dim + c];
        float expectedV = 0.0f;
        for (int j = 0; j < n; j++) expectedV += probs[(row * n + j) * dim + c] * v[(g * n + j) * dim + c];
        float dqSum = 0.0f;
        for (int j = 0; j < n; j++) {
            int pair = (row * n + j) * dim + c;
            int node = (g * n + j) * dim + c;
            const float mj = mask_grads ? mask[g * n + j] : 1.0f;
            float p = probs[pair], kj = k[node];
            float dy = dscores[pair] + p * dw * (v[node] - expectedV);
            de2[pair] += dy * (mi * mj);
            de1[pair] += dy * qs * kj * (mi * mj);
            float film = dy * (e1[pair] + 1.0f);
            dqSum += film * kj;
            dk[node] += film * qs * mj;
            dv[node] += p * dw * mj;
        }
        dq[row * dim + c] += dqSum * scale * mi;
    }
}

// The B operand of the fused edge attention (edge_attention.cl): Wp[r][kk] for packed row
// r = blk·64 + t is W_mul[c][kk] when t < 32 and W_add[c][kk] otherwise, c = blk·32 + t % 32; 0 past dim.
__kernel void pack_edge_weights(__global float* Wp, int Wp_off, __global const float* wmul, int wmul_off,
                                __global const float* wadd, int wadd_off, int dim, int de, int blocks) {
    const int i = get_global_id(0);
    if (i >= blocks * 64 * de) return;
    const int r = i / de, kk = i % de, t = r % 64, c = (r / 64) * 32 + t % 32;
    Wp[Wp_off + i] = c >= dim ? 0.0f : t < 32 ? wmul[wmul_off + c * de + kk] : wadd[wadd_off + c * de + kk];
}
