// Sampling's update of the global features y, in one kernel (Ops/YUpdate.swift). Unfused it is ten
// launches per layer over one row per graph (seven small GEMMs, two adds, two add+LayerNorms): too small
// to fill a GPU, so each costs its launch latency. Here a work-group takes Y_GRAPHS graphs through all
// of it with the intermediates in local memory:
//   s   = y·Wyyᵀ + byy + poolX·Wxyᵀ + bxy + poolE·Weyᵀ + bey
//   ny  = relu(s·W1ᵀ + b1)·W2ᵀ + b2
//   y1  = LayerNorm(y + ny; γ1, β1)
//   out = LayerNorm(y1 + relu(y1·Wf1ᵀ + bf1)·Wf2ᵀ + bf2; γ2, β2)
// Weights are [out][in], as for every linear here. LayerNorm as in layernorm.cl (biased variance,
// eps 1e-5); the sums run in another order, so results agree with the unfused ops to rounding.

#define Y_GRAPHS 4
#define Y_THREADS 256
#define Y_TEAM 8                          // lanes that share one output of a linear
#define Y_TEAMS (Y_THREADS / Y_TEAM)
#define Y_UNROLL 8                        // weight loads a lane has in flight at once (see y_linear)
#define Y_LN_EPS 1e-5f

// out[g·O + o] = (or +=, or relu of) Σ_k in[g·K + k]·W[o·K + k] + b[o] for the group's graphs.
// A team of Y_TEAM lanes shares an output and lane t takes k ≡ t (mod Y_TEAM): a warp's weight loads
// are whole 32-byte sectors of 32/Y_TEAM rows, and each weight serves all Y_GRAPHS graphs. (One lane per
// output would make every load instruction touch 32 rows.) The teams' partial sums meet in `red`
// (Y_TEAMS·Y_GRAPHS·Y_TEAM floats). mode: 0 write, 1 add, 2 write with ReLU. Every item must call it.
// The weights stream from L2 into a handful of work-groups (~1.7 MB per layer into each for the dinas
// preset), so a lane issues Y_UNROLL loads before it uses any: one at a time, each would wait out the
// whole L2 latency. The sums still run over k in order, so results do not depend on Y_UNROLL.
__attribute__((always_inline)) inline void y_linear(__local float* out, __local const float* in, __global const float* W,
                                                    __global const float* b, int K, int O, int here, int mode,
                                                    __local float* red, int tid) {
    const int team = tid / Y_TEAM, t = tid % Y_TEAM;
    // By our reading the previous step's closing barrier already orders everything, but PoCL computed
    // wrong sums without this one when two calls followed each other (the yy product after eToY).
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int o0 = 0; o0 < O; o0 += Y_TEAMS) {
        const int o = o0 + team;
        float a[Y_GRAPHS];
        for (int g = 0; g < Y_GRAPHS; ++g) a[g] = 0.0f;
        if (o < O) {
            for (int k0 = t; k0 < K; k0 += Y_TEAM * Y_UNROLL) {
                float w[Y_UNROLL];
                #pragma unroll
                for (int u = 0; u < Y_UNROLL; ++u) {
                    const int k = k0 + u * Y_TEAM;
                    w[u] = k < K ? W[o * K + k] : 0.0f;
                }
                #pragma unroll
                for (int u = 0; u < Y_UNROLL; ++u) {
                    const int k = k0 + u * Y_TEAM;
                    if (k < K) {
                        for (int g = 0; g < Y_GRAPHS; ++g) a[g] = fma(in[g * K + k], w[u], a[g]);
                    }
                }
            }
        }
        for (int g = 0; g < Y_GRAPHS; ++g) red[(team * Y_GRAPHS + g) * Y_TEAM + t] = a[g];
        barrier(CLK_LOCAL_MEM_FENCE);
        if (tid < Y_TEAMS * Y_GRAPHS) {
            const int tm = tid / Y_GRAPHS, g = tid % Y_GRAPHS, oo = o0 + tm;
            if (oo < O && g < here) {
                float v = b[oo];
                for (int i = 0; i < Y_TEAM; ++i) v += red[tid * Y_TEAM + i];
                if (mode == 1) out[g * O + oo] += v;
                else out[g * O + oo] = mode == 2 ? fmax(v, 0.0f) : v;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// r[g·dy + o] = LayerNorm(r[g·dy + ·])[o] for the group's graphs, in place. 32 items per graph add up
// strided partial sums; `part` holds Y_GRAPHS·32 floats, `stat` 2·Y_GRAPHS. Every item must call it.
__attribute__((always_inline)) inline void y_layernorm(__local float* r, __local float* part, __local float* stat,
                                                       __global const float* gamma, __global const float* beta,
                                                       int graphs, int dy, int tid) {
    const int g = tid / 32, l = tid % 32;
    for (int pass = 0; pass < 2; ++pass) {   // 0: mean, 1: variance around it
        if (g < Y_GRAPHS && g < graphs) {
            float a = 0.0f;
            for (int o = l; o < dy; o += 32) {
                const float v = r[g * dy + o];
                a += pass == 0 ? v : (v - stat[2 * g]) * (v - stat[2 * g]);
            }
            part[g * 32 + l] = a;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l == 0 && g < Y_GRAPHS && g < graphs) {
            float a = 0.0f;
            for (int i = 0; i < 32; ++i) a += part[g * 32 + i];
            if (pass == 0) stat[2 * g] = a / (float)dy;
            else stat[2 * g + 1] = 1.0f / sqrt(a / (float)dy + Y_LN_EPS);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = tid; i < graphs * dy; i += Y_THREADS) {
        const int gi = i / dy, o = i % dy;
        r[i] = (r[i] - stat[2 * gi]) * stat[2 * gi + 1] * gamma[o] + beta[o];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// Copies `count` floats (the group's rows of an input) into local memory, then waits for the group.
__attribute__((always_inline)) inline void y_stage(__local float* to, __global const float* from, int count, int tid) {
    for (int i = tid; i < count; i += Y_THREADS) to[i] = from[i];
    barrier(CLK_LOCAL_MEM_FENCE);
}

// Local size Y_THREADS, global (⌈graphs / Y_GRAPHS⌉·Y_THREADS). `scratch`: Y_GRAPHS·(3·dy + max(ffY, px, pe))
// + Y_TEAMS·Y_GRAPHS·Y_TEAM + Y_GRAPHS·32 + 2·Y_GRAPHS floats.
__kernel __attribute__((reqd_work_group_size(Y_THREADS, 1, 1)))
void y_update_forward(__global float* out, int out_off, __global const float* y, int y_off,
                      __global const float* poolX, int poolX_off, __global const float* poolE, int poolE_off,
                      __global const float* Wyy, int Wyy_off, __global const float* byy, int byy_off,
                      __global const float* Wxy, int Wxy_off, __global const float* bxy, int bxy_off,
                      __global const float* Wey, int Wey_off, __global const float* bey, int bey_off,
                      __global const float* W1, int W1_off, __global const float* b1, int b1_off,
                      __global const float* W2, int W2_off, __global const float* b2, int b2_off,
                      __global const float* gamma1, int gamma1_off, __global const float* beta1, int beta1_off,
                      __global const float* Wf1, int Wf1_off, __global const float* bf1, int bf1_off,
                      __global const float* Wf2, int Wf2_off, __global const float* bf2, int bf2_off,
                      __global const float* gamma2, int gamma2_off, __global const float* beta2, int beta2_off,
                      int graphs, int dy, int px, int pe, int ffY, __local float* scratch) {
    const int tid = get_local_id(0), g0 = get_group_id(0) * Y_GRAPHS;
    const int here = min(Y_GRAPHS, graphs - g0);               // graphs of this group
    out += out_off + g0 * dy; y += y_off + g0 * dy; poolX += poolX_off + g0 * px; poolE += poolE_off + g0 * pe;
    Wyy += Wyy_off; byy += byy_off; Wxy += Wxy_off; bxy += bxy_off; Wey += Wey_off; bey += bey_off;
    W1 += W1_off; b1 += b1_off; W2 += W2_off; b2 += b2_off; gamma1 += gamma1_off; beta1 += beta1_off;
    Wf1 += Wf1_off; bf1 += bf1_off; Wf2 += Wf2_off; bf2 += bf2_off; gamma2 += gamma2_off; beta2 += beta2_off;
    const int wide = max(ffY, max(px, pe));
    __local float* ys = scratch;                               // y of the group's graphs
    __local float* s = ys + Y_GRAPHS * dy;                     // s, then y + ny, then y1
    __local float* t = s + Y_GRAPHS * dy;                      // relu(out1(s)), then y1 + feed-forward
    __local float* h = t + Y_GRAPHS * dy;                      // poolX, then poolE, then relu(ff1(y1))
    __local float* red = h + Y_GRAPHS * wide;
    __local float* part = red + Y_TEAMS * Y_GRAPHS * Y_TEAM;
    __local float* stat = part + Y_GRAPHS * 32;
    const int rows = here * dy;

    for (int i = tid; i < rows; i += Y_THREADS) ys[i] = y[i];
    y_stage(h, poolX, here * px, tid);
    y_linear(s, h, Wxy, bxy, px, dy, here, 0, red, tid);
    y_stage(h, poolE, here * pe, tid);
    y_linear(s, h, Wey, bey, pe, dy, here, 1, red, tid);
    y_linear(s, ys, Wyy, byy, dy, dy, here, 1, red, tid);
    y_linear(t, s, W1, b1, dy, dy, here, 2, red, tid);
    for (int i = tid; i < rows; i += Y_THREADS) s[i] = ys[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    y_linear(s, t, W2, b2, dy, dy, here, 1, red, tid);
    y_layernorm(s, part, stat, gamma1, beta1, here, dy, tid);  // s = y1
    y_linear(h, s, Wf1, bf1, dy, ffY, here, 2, red, tid);
    for (int i = tid; i < rows; i += Y_THREADS) t[i] = s[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    y_linear(t, h, Wf2, bf2, ffY, dy, here, 1, red, tid);
    y_layernorm(t, part, stat, gamma2, beta2, here, dy, tid);
    for (int i = tid; i < rows; i += Y_THREADS) out[i] = t[i];
}
