// Elementwise ops. Convention for every kernel in Kernels/: each buffer parameter is followed by
// its int offset in floats (the host passes views into shared allocations); kernels bound-check
// their global id because the host rounds the range up to the work-group size.

__kernel void fill(__global float* x, int x_off, float value, int n) {
    int i = get_global_id(0);
    if (i < n) x[x_off + i] = value;
}

__kernel void relu_forward(__global float* out, int out_off, __global const float* inp, int inp_off, int n) {
    int i = get_global_id(0);
    if (i < n) out[out_off + i] = fmax(inp[inp_off + i], 0.0f);
}

// dinp += dout * (out > 0): the mask comes from the forward output, so the input need not be kept.
__kernel void relu_backward(__global float* dinp, int dinp_off, __global const float* dout, int dout_off,
                            __global const float* out, int out_off, int n) {
    int i = get_global_id(0);
    if (i < n) dinp[dinp_off + i] += out[out_off + i] > 0.0f ? dout[dout_off + i] : 0.0f;
}

// y = a*x + b*y
__kernel void axpby(__global float* y, int y_off, __global const float* x, int x_off, float a, float b, int n) {
    int i = get_global_id(0);
    if (i < n) y[y_off + i] = a * x[x_off + i] + b * y[y_off + i];
}

// out = a + b (residual add)
__kernel void add(__global float* out, int out_off, __global const float* a, int a_off,
                  __global const float* b, int b_off, int n) {
    int i = get_global_id(0);
    if (i < n) out[out_off + i] = a[a_off + i] + b[b_off + i];
}
