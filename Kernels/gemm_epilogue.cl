// The GEMM epilogue shared by linear.cl and linear_tc.cl (KernelSources splices it in where a file says
// #include "gemm_epilogue.cl"). The forward's output value is + bias[col], then times the row's padding
// mask, so that a masked linear (DiGress multiplies most layer outputs by the node or pair mask) needs no
// second pass over C, then ReLU when asked, so a feed-forward block's first layer writes its activation:
//   mode & 3 = 0: no mask; 1: node rows, mask[row]; 2: pair rows (g·n + i)·n + j, mask[g·n+i]·mask[g·n+j]
//   mode & 4: ReLU

#include "row_mask.cl"

__attribute__((always_inline)) inline float gemm_epilogue(float v, __global const float* bias, int has_bias, int col,
                                                          float row_factor, int mode) {
    if (has_bias) v += bias[col];
    if (mode & 3) v *= row_factor;
    if (mode & 4) v = fmax(v, 0.0f);
    return v;
}
