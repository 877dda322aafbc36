// Linear layer (weights in PyTorch's layout W[out][in]) as three products of row-major matrices:
//   forward  out[rows×out]  = X[rows×in] · Wᵀ + bias      A = X     (read along k)   B = W (read along k)   "nt"
//   dX       dX[rows×in]   += dOut[rows×out] · W          A = dOut  (read along k)   B = W (read along n)   "nn"
//   dW       dW[out×in]    += dOutᵀ · X                   A = dOutᵀ (read along m)   B = X (read along n)   "tn"
// plus the bias gradient, a column sum of dOut.
//
// Two families, both always compiled (the host picks by device type, and tests run the GPU family
// on PoCL too):
//   GPU: tiled GEMMs. A work-group computes a BM×BN tile of C from BK-deep tiles of A and B staged in
//        local memory; each work-item keeps an 8×8 micro-tile in registers and reads its A and B
//        fragments from local memory as float4s. Split-K (group id 2 = slice of K) writes partial
//        products to a scratch buffer that gemm_splitk_reduce folds, for shapes with too few tiles
//        to fill the device (dW: a 512×128 result over K = 24576 rows).
//   CPU: one work-item per small block of C, float8 loops over contiguous memory, no local memory.

#include "gemm_epilogue.cl"
#include "edge_attention.cl"

#define BK 16     // depth of one k-step of local-memory tiles
#define PAD 4     // local row padding: keeps rows float4-aligned and spreads transposing stores over banks

// Stages the BK×BX tile (k in [k0, k0+BK), x in [x0, x0+BX)) of a matrix into local memory as
// L[k·(BX+PAD) + x], zero-filling past the matrix so the compute loop needs no bounds checks.
// along_k: element (x, k) is at src[x·ld + k] (consecutive work-items read consecutive k);
// otherwise it is at src[k·ld + x] (they read consecutive x). Either way global reads coalesce.
__attribute__((always_inline)) inline void stage_tile(__local float* L, __global const float* src, int ld, int x0, int x_end,
                       int k0, int k_end, const int BX, const int along_k, const int nthreads, int tid) {
    for (int e = tid; e < BK * BX; e += nthreads) {
        int x, k;
        if (along_k) { x = e / BK; k = e % BK; } else { k = e / BX; x = e % BX; }
        int gx = x0 + x, gk = k0 + k;
        float v = 0.0f;
        if (gx < x_end && gk < k_end) v = along_k ? src[gx * ld + gk] : src[gk * ld + gx];
        L[k * (BX + PAD) + x] = v;
    }
}

// One BM×BN tile of C (M×N, row-major) for K-slice `slice`:
//   accumulate = 0: C = A·B (+ bias[col] when has_bias, in slice 0 only: split-K partials that a
//   reduction sums carry the bias once);  accumulate = 1: C += A·B;
//   to_local = 1: the raw tile A·B into local Ct[(row − m0)·(BN + 1) + col − n0] instead, for a fused
//   epilogue of the calling kernel (C, bias and mask unused).
// Work-item (tx, ty) owns rows {ty·4 + 0..3, BM/2 + ty·4 + 0..3} and the same pattern of columns:
// two float4 fragments per operand, so the 8 work-items of a float4 phase hit 32 distinct banks.
__attribute__((always_inline)) inline void gemm_tile(__global float* C, __global const float* A, __global const float* B,
                      __global const float* bias, int has_bias, int accumulate,
                      __global const float* mask, int epilogue, int mask_n,
                      int M, int N, int K, int k_chunk, int slice, int c_slice_stride,
                      __local float4* As4, __local float4* Bs4,
                      const int BM, const int BN, const int a_along_k, const int b_along_k,
                      __local float* Ct, const int to_local) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int nthreads = (BM / 8) * (BN / 8);
    const int tid = ty * (BN / 8) + tx;
    const int m0 = get_group_id(1) * BM, n0 = get_group_id(0) * BN;
    const int k_begin = slice * k_chunk;
    const int k_end = min(K, k_begin + k_chunk);
    const int lda = a_along_k ? K : M;      // A is M×K row-major, or stored as K×M
    const int ldb = b_along_k ? K : N;      // B is stored as N×K (W), or K×N row-major
    __local float* As = (__local float*)As4;
    __local float* Bs = (__local float*)Bs4;
    C += slice * c_slice_stride;

    float acc[8][8];
    #pragma unroll
    for (int i = 0; i < 8; ++i) {
        #pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;
    }

    for (int kt = k_begin; kt < k_end; kt += BK) {
        stage_tile(As, A, lda, m0, M, kt, k_end, BM, a_along_k, nthreads, tid);
        stage_tile(Bs, B, ldb, n0, N, kt, k_end, BN, b_along_k, nthreads, tid);
        barrier(CLK_LOCAL_MEM_FENCE);
        #pragma unroll
        for (int k = 0; k < BK; ++k) {
            const float4 a_lo = As4[k * ((BM + PAD) / 4) + ty];
            const float4 a_hi = As4[k * ((BM + PAD) / 4) + BM / 8 + ty];
            const float4 b_lo = Bs4[k * ((BN + PAD) / 4) + tx];
            const float4 b_hi = Bs4[k * ((BN + PAD) / 4) + BN / 8 + tx];
            const float a[8] = {a_lo.s0, a_lo.s1, a_lo.s2, a_lo.s3, a_hi.s0, a_hi.s1, a_hi.s2, a_hi.s3};
            const float b[8] = {b_lo.s0, b_lo.s1, b_lo.s2, b_lo.s3, b_hi.s0, b_hi.s1, b_hi.s2, b_hi.s3};
            #pragma unroll
            for (int i = 0; i < 8; ++i) {
                #pragma unroll
                for (int j = 0; j < 8; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    #pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int row = m0 + (i < 4 ? ty * 4 + i : BM / 2 + ty * 4 + i - 4);
        if (row >= M) continue;
        const float factor = accumulate ? 1.0f : row_mask_factor(mask, epilogue, mask_n, row);
        #pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int col = n0 + (j < 4 ? tx * 4 + j : BN / 2 + tx * 4 + j - 4);
            if (to_local) { Ct[(row - m0) * (BN + 1) + col - n0] = acc[i][j]; continue; }
            if (col >= N) continue;
            const int idx = row * N + col;
            if (accumulate) C[idx] += acc[i][j];
            else C[idx] = gemm_epilogue(acc[i][j], bias, has_bias && slice == 0, col, factor, epilogue);
        }
    }
}

// Launch with local size (BN/8, BM/8, 1) and global (⌈N/BN⌉·BN/8, ⌈M/BM⌉·BM/8, members·slices).
// Group id 2 = member·slices + slice. c_slice_stride = 0 without split-K, M·N when C is the scratch
// of per-slice partial products. Members are independent products of one shape whose operands lie at
// fixed strides (*_batch, 0 for an operand they share): the linear layers of one input (q, k, v) in
// one launch, which fills the device where each alone would leave it idle.
#define GEMM_KERNEL(NAME, BM, BN, A_ALONG_K, B_ALONG_K)                                                   \
__kernel __attribute__((reqd_work_group_size(BN / 8, BM / 8, 1)))                                        \
void NAME(__global float* C, int C_off, __global const float* A, int A_off,                              \
          __global const float* B, int B_off, __global const float* bias, int bias_off,                  \
          int has_bias, int accumulate, __global const float* mask, int mask_off, int epilogue,         \
          int mask_n, int M, int N, int K, int k_chunk, int c_slice_stride,                              \
          int slices, int c_batch, int a_batch, int b_batch, int bias_batch) {                           \
    __local float4 As[BK * (BM + PAD) / 4];                                                              \
    __local float4 Bs[BK * (BN + PAD) / 4];                                                              \
    const int member = get_group_id(2) / slices, slice = get_group_id(2) % slices;                      \
    gemm_tile(C + C_off + member * c_batch, A + A_off + member * a_batch, B + B_off + member * b_batch,  \
              bias + bias_off + member * bias_batch, has_bias, accumulate, mask + mask_off, epilogue,   \
              mask_n, M, N, K, k_chunk, slice, c_slice_stride, As, Bs, BM, BN, A_ALONG_K, B_ALONG_K,     \
              (__local float*)As, 0);                                                                    \
}

// 128×128 tiles (256 work-items) for big products; 64×64 (64 work-items) when 128-tiles would leave
// compute units idle (3072×512 has 96 such tiles for the H100's 132 SMs).
GEMM_KERNEL(gemm_nt_128, 128, 128, 1, 1)
GEMM_KERNEL(gemm_nt_64, 64, 64, 1, 1)
GEMM_KERNEL(gemm_nn_128, 128, 128, 1, 0)
GEMM_KERNEL(gemm_nn_64, 64, 64, 1, 0)
GEMM_KERNEL(gemm_tn_128, 128, 128, 0, 0)
GEMM_KERNEL(gemm_tn_64, 64, 64, 0, 0)

// Sampling's edge attention (edge_attention.cl) on a 64×64 float32 GEMM tile of E (pairs × de) times
// the packed weights Wp (blocks·64 × de, W's layout). Local size (8, 8), global (blocks·8, ⌈pairs/64⌉·8).
__kernel __attribute__((reqd_work_group_size(8, 8, 1)))
void edge_attention_64(EDGE_ATTENTION_ARGS) {
    __local float4 S[EDGE_LOCAL_FLOATS(2 * BK * (64 + PAD)) / 4];   // As, Bs; then Ct, Ks, Vs (edge_attention.cl)
    gemm_tile(fe, E + E_off, Wp + Wp_off, bmul, 0, 0, mask, 0, 1, graphs * n * n, blocks * 64, de, de, 0, 0,
              S, S + BK * (64 + PAD) / 4, 64, 64, 1, 1, (__local float*)S, 1);
    EDGE_ATTENTION_EPILOGUE(get_local_id(1) * 8 + get_local_id(0), 64, (__local float*)S);
}

// C[i] = (accumulate ? C[i] : epilogue(bias, mask)) + Σ_s P[s·count + i], summing slices in order
// so the result does not depend on scheduling.
__kernel void gemm_splitk_reduce(__global float* C, int C_off, __global const float* P, int P_off,
                                 __global const float* bias, int bias_off, int has_bias, int accumulate,
                                 __global const float* mask, int mask_off, int epilogue, int mask_n,
                                 int count, int slices, int n) {
    const int i = get_global_id(0);
    if (i >= count) return;
    float s = 0.0f;
    for (int z = 0; z < slices; ++z) s += P[P_off + z * count + i];
    if (accumulate) C[C_off + i] += s;
    else C[C_off + i] = gemm_epilogue(s, bias + bias_off, has_bias, i % n,
                                      row_mask_factor(mask + mask_off, epilogue, mask_n, i / n), epilogue);
}

// Bias gradient on a GPU: a work-group sums 64 columns of G over one slice of rows with 4 row lanes
// (reads coalesce along the columns), then P[slice·cols + c] (+)= the sum. Local size (64, 4, 1),
// global (⌈cols/64⌉·64, 4, slices); with one slice P is dbias itself (accumulate = 1).
__kernel __attribute__((reqd_work_group_size(64, 4, 1)))
void column_sum(__global float* P, int P_off, __global const float* G, int G_off,
                int rows, int cols, int rows_per_slice, int accumulate) {
    __local float part[4][64];
    const int c = get_global_id(0), lc = get_local_id(0), lane = get_local_id(1);
    const int slice = get_group_id(2);
    const int r0 = slice * rows_per_slice, r1 = min(rows, r0 + rows_per_slice);
    float s = 0.0f;
    if (c < cols) {
        for (int r = r0 + lane; r < r1; r += 4) s += G[G_off + r * cols + c];
    }
    part[lane][lc] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lane == 0 && c < cols) {
        const float t = (part[0][lc] + part[1][lc]) + (part[2][lc] + part[3][lc]);
        const int o = P_off + slice * cols + c;
        P[o] = accumulate ? P[o] + t : t;
    }
}

// ---------------------------------------------------------------------------------------------------
// CPU-shaped kernels (PoCL). Each work-item owns a small block of the output; rows/columns of a block
// that fall past the edge are computed on clamped (valid) indices and simply not stored, so there is
// one code path. The float8 loops run over memory that is contiguous for the operand they stream.

inline float hsum8(float8 v) {
    const float4 s = v.lo + v.hi;
    const float2 t = s.lo + s.hi;
    return t.x + t.y;
}

// out[r, o] = X[r,:]·W[o,:] + bias[o] for a block of 2 rows × 4 outputs: both operands are
// contiguous along k, so no transpose of W is needed. Global (⌈out/4⌉, ⌈rows/2⌉).
__kernel void linear_forward_cpu(__global float* out, int out_off, __global const float* X, int X_off,
                                 __global const float* W, int W_off, __global const float* bias, int bias_off,
                                 int has_bias, int rows, int in_dim, int out_dim) {
    const int o0 = get_global_id(0) * 4, r0 = get_global_id(1) * 2;
    if (o0 >= out_dim || r0 >= rows) return;
    __global const float* x[2];
    __global const float* w[4];
    for (int i = 0; i < 2; ++i) x[i] = X + X_off + min(r0 + i, rows - 1) * in_dim;
    for (int j = 0; j < 4; ++j) w[j] = W + W_off + min(o0 + j, out_dim - 1) * in_dim;
    float8 acc[2][4];
    for (int i = 0; i < 2; ++i) for (int j = 0; j < 4; ++j) acc[i][j] = (float8)(0.0f);
    const int k8 = in_dim & ~7;
    for (int k = 0; k < k8; k += 8) {
        const float8 x0 = vload8(0, x[0] + k), x1 = vload8(0, x[1] + k);
        for (int j = 0; j < 4; ++j) {
            const float8 wj = vload8(0, w[j] + k);
            acc[0][j] = mad(x0, wj, acc[0][j]);
            acc[1][j] = mad(x1, wj, acc[1][j]);
        }
    }
    for (int i = 0; i < 2; ++i) {
        if (r0 + i >= rows) break;
        for (int j = 0; j < 4; ++j) {
            if (o0 + j >= out_dim) break;
            float s = hsum8(acc[i][j]);
            for (int k = k8; k < in_dim; ++k) s = mad(x[i][k], w[j][k], s);
            out[out_off + (r0 + i) * out_dim + o0 + j] = has_bias ? s + bias[bias_off + o0 + j] : s;
        }
    }
}

// dX[r, c..c+16] += Σ_o dOut[r, o]·W[o, c..c+16] for a block of 4 rows × 16 columns (axpy form over
// contiguous rows of W). Global (⌈in/16⌉, ⌈rows/4⌉).
__kernel void linear_backward_input_cpu(__global float* dX, int dX_off, __global const float* G, int G_off,
                                        __global const float* W, int W_off, int rows, int in_dim, int out_dim) {
    const int c0 = get_global_id(0) * 16, r0 = get_global_id(1) * 4;
    if (c0 >= in_dim || r0 >= rows) return;
    __global const float* g[4];
    for (int i = 0; i < 4; ++i) g[i] = G + G_off + min(r0 + i, rows - 1) * out_dim;
    W += W_off;
    if (c0 + 16 <= in_dim) {
        float8 lo[4], hi[4];
        for (int i = 0; i < 4; ++i) { lo[i] = (float8)(0.0f); hi[i] = (float8)(0.0f); }
        for (int o = 0; o < out_dim; ++o) {
            const float8 wlo = vload8(0, W + o * in_dim + c0), whi = vload8(0, W + o * in_dim + c0 + 8);
            for (int i = 0; i < 4; ++i) {
                const float8 gi = (float8)(g[i][o]);
                lo[i] = mad(gi, wlo, lo[i]);
                hi[i] = mad(gi, whi, hi[i]);
            }
        }
        for (int i = 0; i < 4 && r0 + i < rows; ++i) {
            __global float* d = dX + dX_off + (r0 + i) * in_dim + c0;
            vstore8(vload8(0, d) + lo[i], 0, d);
            vstore8(vload8(1, d) + hi[i], 1, d);
        }
    } else {
        for (int i = 0; i < 4 && r0 + i < rows; ++i) {
            for (int c = c0; c < in_dim; ++c) {
                float s = 0.0f;
                for (int o = 0; o < out_dim; ++o) s = mad(g[i][o], W[o * in_dim + c], s);
                dX[dX_off + (r0 + i) * in_dim + c] += s;
            }
        }
    }
}

// dW[o, c..c+16] += Σ_r dOut[r, o]·X[r, c..c+16] for a block of 4 outputs × 16 columns (axpy form
// over contiguous rows of X). Streaming all rows per work-item would read X from memory once per
// 4 outputs, so a work-group walks the rows in chunks of ROW_CHUNK with a barrier after each: PoCL
// runs every work-item of the group over one chunk before the next, so the chunk of X and dOut comes
// from memory once per group and from cache for the rest. Global (⌈in/16⌉, ⌈out/4⌉), local chosen
// by the host to cover up to 256 columns and a few dozen outputs.
#define ROW_CHUNK 64
__kernel void linear_backward_weight_cpu(__global float* dW, int dW_off, __global const float* G, int G_off,
                                         __global const float* X, int X_off, int rows, int in_dim, int out_dim) {
    const int c0 = get_global_id(0) * 16, o0 = get_global_id(1) * 4;
    const int active = c0 < in_dim && o0 < out_dim;
    const int full = c0 + 16 <= in_dim;
    int oc[4];
    for (int j = 0; j < 4; ++j) oc[j] = min(o0 + j, out_dim - 1);
    G += G_off; X += X_off;
    float8 lo[4], hi[4];
    for (int j = 0; j < 4; ++j) { lo[j] = (float8)(0.0f); hi[j] = (float8)(0.0f); }
    for (int r0 = 0; r0 < rows; r0 += ROW_CHUNK) {
        if (active && full) {
            const int r1 = min(rows, r0 + ROW_CHUNK);
            for (int r = r0; r < r1; ++r) {
                const float8 xlo = vload8(0, X + r * in_dim + c0), xhi = vload8(0, X + r * in_dim + c0 + 8);
                for (int j = 0; j < 4; ++j) {
                    const float8 gj = (float8)(G[r * out_dim + oc[j]]);
                    lo[j] = mad(gj, xlo, lo[j]);
                    hi[j] = mad(gj, xhi, hi[j]);
                }
            }
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
    if (!active) return;
    if (full) {
        for (int j = 0; j < 4 && o0 + j < out_dim; ++j) {
            __global float* d = dW + dW_off + (o0 + j) * in_dim + c0;
            vstore8(vload8(0, d) + lo[j], 0, d);
            vstore8(vload8(1, d) + hi[j], 1, d);
        }
    } else {
        for (int j = 0; j < 4 && o0 + j < out_dim; ++j) {
            for (int c = c0; c < in_dim; ++c) {
                float s = 0.0f;
                for (int r = 0; r < rows; ++r) s = mad(G[r * out_dim + o0 + j], X[r * in_dim + c], s);
                dW[dW_off + (o0 + j) * in_dim + c] += s;
            }
        }
    }
}

// dbias[c..c+8] += Σ_r dOut[r, c..c+8]. Global (⌈out/8⌉).
__kernel void linear_bias_grad_cpu(__global float* dbias, int dbias_off, __global const float* G, int G_off,
                                   int rows, int out_dim) {
    const int c0 = get_global_id(0) * 8;
    if (c0 >= out_dim) return;
    G += G_off;
    if (c0 + 8 <= out_dim) {
        float8 s = (float8)(0.0f);
        for (int r = 0; r < rows; ++r) s += vload8(0, G + r * out_dim + c0);
        __global float* d = dbias + dbias_off + c0;
        vstore8(vload8(0, d) + s, 0, d);
    } else {
        for (int c = c0; c < out_dim; ++c) {
            float s = 0.0f;
            for (int r = 0; r < rows; ++r) s += G[r * out_dim + c];
            dbias[dbias_off + c] += s;
        }
    }
}
