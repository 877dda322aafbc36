// The GPU GEMMs of linear.cl on NVIDIA tensor cores (compute capability 8.0 and later), at float32
// accuracy. Same three layouts, arguments and split-K contract as gemm_<layout>_<tile> in linear.cl.
//
// OpenCL has no matrix instructions, but NVIDIA's compiler passes inline PTX through, so each warp
// issues mma.sync m16n8k8 with TF32 operands (10-bit mantissa). TF32 alone would cost ~1e-3 relative
// error; "3xTF32" keeps float32 accuracy: every operand x is split into hi = tf32(x) and
// lo = x − hi (tf32_split; the tensor cores truncate lo to tf32), and a·b ≈ a_lo·b_hi + a_hi·b_lo + a_hi·b_hi
// (the dropped a_lo·b_lo is ~2⁻²² of a·b), accumulated in float32. Three tensor-core products still beat one float32 FMA pipe by far.
//
// The host builds this file only for NVIDIA GPUs (with -DNVIDIA_TENSOR_CORES=1); elsewhere it is
// empty, and a failed build falls back to linear.cl (NASDIFF_TENSOR_CORES=0 forces that, for
// comparisons). Tests build it for PoCL with -DTC_EMULATE=1 instead: each item then computes its
// fragments' results from the staged slabs in plain float32, so the staging and the epilogues (the
// fused edge attention's too) run there; the fragment loads and the mma itself are left to the GPU.
//
// Tiling: a work-group of WARPS_M × WARPS_N warps computes a BM×BN tile of C; each warp a
// (BM/WARPS_M)×(BN/WARPS_N) block as MT×NT mma tiles of 16×8. BK-deep slabs of A and B are staged in
// local memory in the layout that makes both the staging stores and the fragment loads free of bank
// conflicts: an operand read along k (A = X, B = W) is stored row by row with stride BK + 4, one read
// along m or n is stored k by k with stride BX + 8. Kernels/tc_staging.cl moves them there in 16-byte
// runs (the staging instructions, not the mma count, bounded this kernel on the H100).

#ifndef TC_EMULATE
#define TC_EMULATE 0
#endif
#if NVIDIA_TENSOR_CORES || TC_EMULATE

// Depth of a staged slab: 16 or 32 (64 overflows 48 KiB of local memory). NASDIFF_TC_OPTIONS adds
// build options to this file only (e.g. "-DTC_BK=16", "-cl-nv-verbose"), to measure variants without a
// rebuild; Benchmarks/RESULTS.md has what was measured.
#ifndef TC_BK
#define TC_BK 32
#endif
// Warps per 64×64 tile, TC_WARPS_M × TC_WARPS_N; the host passes them (NASDIFF_TC_WARPS) and launches
// 32·TC_WARPS_M·TC_WARPS_N items per group.
#ifndef TC_WARPS_M
#define TC_WARPS_M 2
#define TC_WARPS_N 2
#endif
#define TC_THREADS (32 * TC_WARPS_M * TC_WARPS_N)
#define TC_STAGING_HELPERS_ONLY 1
#include "tc_staging.cl"
#include "gemm_epilogue.cl"
#include "edge_attention.cl"

// Fragment element (x, k) of a staged operand: x-major when it was read along k, else k-major.
#define STAGED(L, x, k, BX, ALONG_K) ((ALONG_K) ? (L)[(x) * (TC_BK + 4) + (k)] : (L)[(k) * ((BX) + 8) + (x)])

// hi = tf32(x), rounded half away from zero by adding half a tf32 ulp to the bits and clearing the 13
// bits tf32 lacks: two integer operations, where cvt.rna.tf32.f32 is a slow conversion (measured on the
// H100: GEMMs 1.15–1.2× faster, same selftest errors). lo = x − hi is exact in float32 and goes to the
// mma as it is; the tensor cores read its top 19 bits, i.e. truncate it to tf32 (error < 2⁻²¹·|x|).
__attribute__((always_inline)) inline void tf32_split(float x, uint* hi, uint* lo) {
    const uint h = (as_uint(x) + 0x1000u) & 0xffffe000u;
    *hi = h; *lo = as_uint(x - as_float(h));
}

// d (16×8, float32) += a (16×8, row) · b (8×8, col): one warp-wide tensor-core instruction.
#define MMA_TF32(d, a, b)                                                                                  \
    asm("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};" \
        : "+f"((d)[0]), "+f"((d)[1]), "+f"((d)[2]), "+f"((d)[3])                                              \
        : "r"((a)[0]), "r"((a)[1]), "r"((a)[2]), "r"((a)[3]), "r"((b)[0]), "r"((b)[1]))

__attribute__((always_inline)) inline void tc_gemm_tile(
        __global float* C, __global const float* A, __global const float* B, __global const float* bias,
        int has_bias, int accumulate, __global const float* mask, int epilogue, int mask_n,
        int M, int N, int K, int k_chunk, int slice, int c_slice_stride, __local float* As, __local float* Bs,
        const int BM, const int BN, const int WARPS_M, const int WARPS_N, const int MT, const int NT,
        const int a_along_k, const int b_along_k, __local float* Ct, const int to_local) {
    const int tid = get_local_id(0), nthreads = 32 * WARPS_M * WARPS_N;
    const int warp = tid / 32, lane = tid % 32;
    const int gid = lane / 4, tig = lane % 4;                  // mma fragment coordinates
    const int wm0 = (warp / WARPS_N) * (MT * 16), wn0 = (warp % WARPS_N) * (NT * 8);
    const int m0 = get_group_id(1) * BM, n0 = get_group_id(0) * BN;
    const int k_begin = slice * k_chunk, k_end = min(K, k_begin + k_chunk);
    const int lda = a_along_k ? K : M, ldb = b_along_k ? K : N;
    C += slice * c_slice_stride;

    float acc[4][8][4];                                        // [MT][NT][fragment], MT ≤ 4, NT ≤ 8
    #pragma unroll
    for (int i = 0; i < MT; ++i) {
        #pragma unroll
        for (int j = 0; j < NT; ++j) {
            #pragma unroll
            for (int r = 0; r < 4; ++r) acc[i][j][r] = 0.0f;
        }
    }

    const int per_a = TC_BK * BM / nthreads, per_b = TC_BK * BN / nthreads;
    const int slabs = (k_end - k_begin + TC_BK - 1) / TC_BK;
    // 16-byte loads need every row of the operand to start 16-byte aligned (slab offsets are multiples of 4).
    const int vec_a = (lda % 4 == 0) && ((size_t)A % 16 == 0), vec_b = (ldb % 4 == 0) && ((size_t)B % 16 == 0);
    float4 ra[TC_BK * 64 / TC_THREADS / 4], rb[TC_BK * 64 / TC_THREADS / 4];   // per_a, per_b of 64-tiles
    tc_load(ra, A, lda, m0, M, k_begin, k_end, BM, a_along_k, nthreads, per_a, tid, vec_a);
    tc_load(rb, B, ldb, n0, N, k_begin, k_end, BN, b_along_k, nthreads, per_b, tid, vec_b);
    for (int s = 0; s < slabs; ++s) {
        const int kt = k_begin + s * TC_BK;
        tc_store(As, ra, BM, a_along_k, nthreads, per_a, tid);
        tc_store(Bs, rb, BN, b_along_k, nthreads, per_b, tid);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (kt + TC_BK < k_end) {   // in flight during the products below (measured: up to 1.3× faster)
            tc_load(ra, A, lda, m0, M, kt + TC_BK, k_end, BM, a_along_k, nthreads, per_a, tid, vec_a);
            tc_load(rb, B, ldb, n0, N, kt + TC_BK, k_end, BN, b_along_k, nthreads, per_b, tid, vec_b);
        }
#if TC_EMULATE
        #pragma unroll 1   // PoCL's work-group compiler slows down steeply with code size
#else
        #pragma unroll
#endif
        for (int kk = 0; kk < TC_BK; kk += 8) {
#if TC_EMULATE
            // What mma fragment r of tile (i, j) accumulates: row wm0 + i·16 + gid + 8·(r / 2) of the
            // slab times column wn0 + j·8 + 2·tig + r % 2, over k in kk .. kk + 7.
            #pragma unroll 1
            for (int i = 0; i < MT; ++i) {
                #pragma unroll 1
                for (int j = 0; j < NT; ++j) {
                    #pragma unroll 1
                    for (int r = 0; r < 4; ++r) {
                        const int row = wm0 + i * 16 + gid + 8 * (r / 2), col = wn0 + j * 8 + 2 * tig + r % 2;
                        float sum = 0.0f;
                        for (int k = kk; k < kk + 8; ++k) sum += STAGED(As, row, k, BM, a_along_k) * STAGED(Bs, col, k, BN, b_along_k);
                        acc[i][j][r] += sum;
                    }
                }
            }
#else
            uint a_hi[4][4], a_lo[4][4];
            #pragma unroll
            for (int i = 0; i < MT; ++i) {
                const int r = wm0 + i * 16 + gid;
                tf32_split(STAGED(As, r, kk + tig, BM, a_along_k), &a_hi[i][0], &a_lo[i][0]);
                tf32_split(STAGED(As, r + 8, kk + tig, BM, a_along_k), &a_hi[i][1], &a_lo[i][1]);
                tf32_split(STAGED(As, r, kk + tig + 4, BM, a_along_k), &a_hi[i][2], &a_lo[i][2]);
                tf32_split(STAGED(As, r + 8, kk + tig + 4, BM, a_along_k), &a_hi[i][3], &a_lo[i][3]);
            }
            uint b_hi[8][2], b_lo[8][2];
            #pragma unroll
            for (int j = 0; j < NT; ++j) {
                const int c = wn0 + j * 8 + gid;
                tf32_split(STAGED(Bs, c, kk + tig, BN, b_along_k), &b_hi[j][0], &b_lo[j][0]);
                tf32_split(STAGED(Bs, c, kk + tig + 4, BN, b_along_k), &b_hi[j][1], &b_lo[j][1]);
            }
            #pragma unroll
            for (int i = 0; i < MT; ++i) {
                #pragma unroll
                for (int j = 0; j < NT; ++j) {
                    MMA_TF32(acc[i][j], a_lo[i], b_hi[j]);
                    MMA_TF32(acc[i][j], a_hi[i], b_lo[j]);
                    MMA_TF32(acc[i][j], a_hi[i], b_hi[j]);
                }
            }
#endif
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    // Fragment r of tile (i, j) is C[row + 8·(r / 2), col + r % 2].
    float factor[4][2];
    #pragma unroll
    for (int i = 0; i < MT; ++i) {
        #pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = min(m0 + wm0 + i * 16 + gid + 8 * h, M - 1);
            factor[i][h] = accumulate ? 1.0f : row_mask_factor(mask, epilogue, mask_n, row);
        }
    }
    #pragma unroll
    for (int i = 0; i < MT; ++i) {
        #pragma unroll
        for (int j = 0; j < NT; ++j) {
            #pragma unroll
            for (int r = 0; r < 4; ++r) {
                const int row = m0 + wm0 + i * 16 + gid + 8 * (r / 2);
                const int col = n0 + wn0 + j * 8 + 2 * tig + r % 2;
                if (to_local) Ct[(row - m0) * (BN + 1) + col - n0] = acc[i][j][r];
                else if (row < M && col < N) {
                    const int idx = row * N + col;
                    if (accumulate) C[idx] += acc[i][j][r];
                    else C[idx] = gemm_epilogue(acc[i][j][r], bias, has_bias && slice == 0, col, factor[i][r / 2], epilogue);
                }
            }
        }
    }
}

// Launch with local size (32·WARPS_M·WARPS_N) and global (⌈N/BN⌉·local, ⌈M/BM⌉, members·slices);
// members and slices as in linear.cl's GEMM_KERNEL.
#define TC_GEMM_KERNEL(NAME, BM, BN, WARPS_M, WARPS_N, A_ALONG_K, B_ALONG_K)                                  \
__kernel __attribute__((reqd_work_group_size(32 * WARPS_M * WARPS_N, 1, 1)))                                 \
void NAME(__global float* C, int C_off, __global const float* A, int A_off,                                  \
          __global const float* B, int B_off, __global const float* bias, int bias_off,                      \
          int has_bias, int accumulate, __global const float* mask, int mask_off, int epilogue, int mask_n, \
          int M, int N, int K, int k_chunk, int c_slice_stride,                                              \
          int slices, int c_batch, int a_batch, int b_batch, int bias_batch) {                               \
    __local float4 As[TC_SLAB(BM) / 4];   /* float4: tc_store writes 16-byte runs */         \
    __local float4 Bs[TC_SLAB(BN) / 4];                                                       \
    const int member = get_group_id(2) / slices, slice = get_group_id(2) % slices;                          \
    tc_gemm_tile(C + C_off + member * c_batch, A + A_off + member * a_batch, B + B_off + member * b_batch,   \
                 bias + bias_off + member * bias_batch, has_bias, accumulate, mask + mask_off, epilogue,    \
                 mask_n, M, N, K, k_chunk, slice, c_slice_stride, (__local float*)As, (__local float*)Bs, BM, BN,  \
                 WARPS_M, WARPS_N, (BM) / (WARPS_M) / 16, (BN) / (WARPS_N) / 8, A_ALONG_K, B_ALONG_K,         \
                 (__local float*)As, 0);                  \
}

// 64×64 tiles of 4 warps (2 × 2), each 32×32: the fastest tile and warp split measured on the H100 for
// whole sampling and training runs (the alternatives and their numbers: the GPU section of
// Benchmarks/RESULTS.md).
TC_GEMM_KERNEL(gemm_tc_nt_64, 64, 64, TC_WARPS_M, TC_WARPS_N, 1, 1)
TC_GEMM_KERNEL(gemm_tc_nn_64, 64, 64, TC_WARPS_M, TC_WARPS_N, 1, 0)
TC_GEMM_KERNEL(gemm_tc_tn_64, 64, 64, TC_WARPS_M, TC_WARPS_N, 0, 0)

// Sampling's edge attention (edge_attention.cl) on a 64×64 tensor-core tile; arguments and packing as
// edge_attention_64 in linear.cl. Local size TC_THREADS, global (blocks·TC_THREADS, ⌈pairs/64⌉).
__kernel __attribute__((reqd_work_group_size(TC_THREADS, 1, 1)))
void edge_attention_tc_64(EDGE_ATTENTION_ARGS) {
    // float4: tc_store writes 16-byte runs. As, Bs; then Ct, Ks, Vs (edge_attention.cl).
    __local float4 S[EDGE_LOCAL_FLOATS(2 * TC_SLAB(64)) / 4];
    __local float* L = (__local float*)S;
#if TC_EMULATE
    // PoCL 3.1's work-group compiler did not finish this kernel (minutes in LLVM passes) with the staging
    // buffers overlaid by Ct; apart, it takes seconds. The overlay itself is tested in linear.cl's edge_attention_64, whose GEMM loop
    // also ends at a barrier.
    __local float4 As[TC_SLAB(64) / 4], Bs[TC_SLAB(64) / 4];
    __local float* A_stage = (__local float*)As;
    __local float* B_stage = (__local float*)Bs;
#else
    __local float* A_stage = L;
    __local float* B_stage = L + TC_SLAB(64);
#endif
    tc_gemm_tile(fe, E + E_off, Wp + Wp_off, bmul, 0, 0, mask, 0, 1, graphs * n * n, blocks * 64, de, de, 0, 0,
                 A_stage, B_stage, 64, 64, TC_WARPS_M, TC_WARPS_N, 64 / TC_WARPS_M / 16, 64 / TC_WARPS_N / 8, 1, 1, L, 1);
    EDGE_ATTENTION_EPILOGUE(get_local_id(0), TC_THREADS, L);
}

#endif
