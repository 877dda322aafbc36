// The padding-mask factor of one output row, shared by every kernel that writes masked rows itself
// (the GEMM epilogue, the fused residual LayerNorm): mode & 3 = 0: no mask (1); 1: node rows g·n + i,
// mask[row]; 2: pair rows (g·n + i)·n + j, mask[g·n + i]·mask[g·n + j] — as applyNodeMask and
// applyPairMask compute it. Kernels call it once per row: the integer divisions would otherwise cost
// more than a short-K GEMM tile's arithmetic.
__attribute__((always_inline)) inline float row_mask_factor(__global const float* mask, int mode, int n, int row) {
    if ((mode & 3) == 1) return mask[row];
    if ((mode & 3) == 2) {
        const int nn = n * n, g = row / nn, t = row - g * nn, i = t / n, j = t - i * n;
        return mask[g * n + i] * mask[g * n + j];
    }
    return 1.0f;
}
