// Row-wise softmax: one work item per row (rows are short: 2–11 classes in DiNAS). The max is
// subtracted first so exp never overflows; out may alias logits (a row is read before written).

__kernel void softmax_rows(__global float* out, int out_off, __global const float* logits, int logits_off,
                           int rows, int classes) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float* x = logits + logits_off + (size_t)r * classes;
    __global float* y = out + out_off + (size_t)r * classes;
    float top = x[0];
    for (int c = 1; c < classes; ++c) top = fmax(top, x[c]);
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) {
        float e = exp(x[c] - top);
        y[c] = e;
        total += e;
    }
    float scale = 1.0f / total;
    for (int c = 0; c < classes; ++c) y[c] *= scale;
}
