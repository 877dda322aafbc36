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
#define Y_LN_EPS 1e-5f

// Σ_k x[k]·w[k] with the input in local memory (one graph's row) and the weight row in global memory.
__attribute__((always_inline)) inline float y_dot_local(__local const float* x, __global const float* w, int K) {
    float a = 0.0f;
    for (int k = 0; k < K; ++k) a = fma(x[k], w[k], a);
    return a;
}

__attribute__((always_inline)) inline float y_dot_global(__global const float* x, __global const float* w, int K) {
    float a = 0.0f;
    for (int k = 0; k < K; ++k) a = fma(x[k], w[k], a);
    return a;
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

// Local size Y_THREADS, global (⌈graphs / Y_GRAPHS⌉·Y_THREADS). `scratch`: (4·dy + ffY + 32)·Y_GRAPHS + 2·Y_GRAPHS floats.
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
    __local float* ys = scratch;                               // y of the group's graphs
    __local float* s = ys + Y_GRAPHS * dy;                     // s, then y + ny, then y1
    __local float* t = s + Y_GRAPHS * dy;                      // relu(s·W1ᵀ + b1), then y1 + feed-forward
    __local float* h = t + Y_GRAPHS * dy;                      // relu(y1·Wf1ᵀ + bf1), ffY per graph
    __local float* part = h + Y_GRAPHS * ffY;
    __local float* stat = part + Y_GRAPHS * 32;
    const int rows = here * dy;

    for (int i = tid; i < rows; i += Y_THREADS) ys[i] = y[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = tid; i < rows; i += Y_THREADS) {
        const int g = i / dy, o = i % dy;
        s[i] = y_dot_local(ys + g * dy, Wyy + o * dy, dy) + byy[o] + y_dot_global(poolX + g * px, Wxy + o * px, px) + bxy[o]
             + y_dot_global(poolE + g * pe, Wey + o * pe, pe) + bey[o];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = tid; i < rows; i += Y_THREADS) {
        const int g = i / dy, o = i % dy;
        t[i] = fmax(y_dot_local(s + g * dy, W1 + o * dy, dy) + b1[o], 0.0f);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = tid; i < rows; i += Y_THREADS) {
        const int g = i / dy, o = i % dy;
        s[i] = ys[i] + y_dot_local(t + g * dy, W2 + o * dy, dy) + b2[o];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    y_layernorm(s, part, stat, gamma1, beta1, here, dy, tid);  // s = y1
    for (int i = tid; i < here * ffY; i += Y_THREADS) {
        const int g = i / ffY, o = i % ffY;
        h[i] = fmax(y_dot_local(s + g * dy, Wf1 + o * dy, dy) + bf1[o], 0.0f);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = tid; i < rows; i += Y_THREADS) {
        const int g = i / dy, o = i % dy;
        t[i] = s[i] + y_dot_local(h + g * ffY, Wf2 + o * ffY, ffY) + bf2[o];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    y_layernorm(t, part, stat, gamma2, beta2, here, dy, tid);
    for (int i = tid; i < rows; i += Y_THREADS) out[i] = t[i];
}
