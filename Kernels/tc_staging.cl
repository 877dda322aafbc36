// How the tensor-core GEMMs of linear_tc.cl move a TC_BK-deep slab of an operand from global to local
// memory. In a file of its own so that tests can run it on any OpenCL device (the GEMM itself needs
// NVIDIA's tensor cores): built alone, it also defines tc_stage_slab, which stages one slab and writes
// the local slab back out.
//
// The staged layout (STAGED in linear_tc.cl): row x of an operand read along k (A = X, B = W) at
// x·(TC_BK + 4) + k; an operand read along m or n at k·(BX + 8) + x.

#ifndef TC_BK
#define TC_BK 32
#endif
// Floats of one staged BX-wide slab, in either layout.
#define TC_SLAB(BX) ((BX) * (TC_BK + 4) > TC_BK * ((BX) + 8) ? (BX) * (TC_BK + 4) : TC_BK * ((BX) + 8))

// Staging runs in two halves so that the next slab's global loads are in flight while the tensor
// cores work on this one: tc_load reads this thread's `per` elements of a TC_BK×BX slab into
// registers (zero past the matrix, so the compute loop needs no bounds checks), tc_store writes
// them to local memory. Each thread moves runs of 4 elements that are contiguous in global memory
// (along k or along x, whichever the layout has contiguous): one 16-byte load when `vec` says rows
// start 16-byte aligned and the run lies inside the matrix, else 4 checked loads; always one 16-byte
// store (rows of the staged slab are 4-float aligned; a quarter-warp's stores cover 32 banks).
__attribute__((always_inline)) inline void tc_quad(int q, const int BX, const int along_k, int* x, int* k) {
    if (along_k) { *x = q / (TC_BK / 4); *k = 4 * (q % (TC_BK / 4)); }
    else { *x = 4 * (q % (BX / 4)); *k = q / (BX / 4); }
}

// Run q of a slab: its first element in global memory (run element t is (gx, gk + t) along k, else
// (gx + t, gk)), and in *inside how many of its 4 elements lie inside the matrix.
__attribute__((always_inline)) inline __global const float* tc_run(int q, __global const float* src, int ld, int x0, int x_end,
                                                                  int k0, int k_end, const int BX, const int along_k,
                                                                  int* inside) {
    int x, k;
    tc_quad(q, BX, along_k, &x, &k);
    const int gx = x0 + x, gk = k0 + k;
    *inside = max(0, along_k ? (gx < x_end) * min(4, k_end - gk) : (gk < k_end) * min(4, x_end - gx));
    return along_k ? src + gx * ld + gk : src + gk * ld + gx;
}

// Where run q goes in the staged slab (16-byte aligned).
__attribute__((always_inline)) inline int tc_staged_at(int q, const int BX, const int along_k) {
    int x, k;
    tc_quad(q, BX, along_k, &x, &k);
    return along_k ? x * (TC_BK + 4) + k : k * (BX + 8) + x;
}

__attribute__((always_inline)) inline void tc_load(float4* r, __global const float* src, int ld, int x0, int x_end,
                                                   int k0, int k_end, const int BX, const int along_k,
                                                   const int nthreads, const int per, int tid, int vec) {
    #pragma unroll
    for (int p = 0; p < per / 4; ++p) {
        int inside;
        __global const float* run = tc_run(tid + p * nthreads, src, ld, x0, x_end, k0, k_end, BX, along_k, &inside);
        if (vec && inside == 4) r[p] = *(__global const float4*)run;
        else r[p] = (float4)(inside > 0 ? run[0] : 0.0f, inside > 1 ? run[1] : 0.0f,
                             inside > 2 ? run[2] : 0.0f, inside > 3 ? run[3] : 0.0f);
    }
}

__attribute__((always_inline)) inline void tc_store(__local float* L, const float4* r, const int BX, const int along_k,
                                                    const int nthreads, const int per, int tid) {
    #pragma unroll
    for (int p = 0; p < per / 4; ++p) *(__local float4*)(L + tc_staged_at(tid + p * nthreads, BX, along_k)) = r[p];
}

#ifndef TC_STAGING_HELPERS_ONLY
// One group of 128 items stages the 64-wide slab at (x0, k0) of src (x < x_end and k < k_end valid) into
// local memory, through registers as the GEMMs do, and copies the whole staged buffer, padding included,
// to out (TC_SLAB(64) floats).
__kernel __attribute__((reqd_work_group_size(128, 1, 1)))
void tc_stage_slab(__global float* out, int out_off, __global const float* src, int src_off, int ld,
                   int x0, int x_end, int k0, int k_end, int along_k) {
    const int BX = 64, nthreads = 128, per = TC_BK * BX / nthreads, slab = TC_SLAB(64);
    __local float4 staged[TC_SLAB(64) / 4];
    __local float* L = (__local float*)staged;
    const int tid = get_local_id(0);
    src += src_off; out += out_off;
    for (int i = tid; i < slab; i += nthreads) L[i] = -1.0f;   // padding stays -1: shows stray writes
    barrier(CLK_LOCAL_MEM_FENCE);
    const int vec = ld % 4 == 0 && (size_t)src % 16 == 0;
    float4 r[TC_BK * 64 / 128 / 4];
    tc_load(r, src, ld, x0, x_end, k0, k_end, BX, along_k, nthreads, per, tid, vec);
    tc_store(L, r, BX, along_k, nthreads, per, tid);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int i = tid; i < slab; i += nthreads) out[i] = L[i];
}
#endif
