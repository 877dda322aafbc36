// Softmax cross-entropy with class-index targets (stored as float; negative = ignored row).
// One work item per row: rows are short (2–11 classes). with_grad = 0 leaves dlogits untouched
// (the host then passes a stand-in buffer). A target >= classes is a caller bug: loss NaN, no gradient.

__kernel void cross_entropy(__global float* losses, int losses_off, __global float* dlogits, int dlogits_off,
                            int with_grad, __global const float* logits, int logits_off,
                            __global const float* targets, int targets_off, int rows, int classes, float grad_scale) {
    int r = get_global_id(0);
    if (r >= rows) return;
    float target = targets[targets_off + r];
    if (target < 0.0f) { losses[losses_off + r] = 0.0f; return; }
    if (!(target < (float)classes)) { losses[losses_off + r] = NAN; return; }  // also catches a NaN target
    int k = (int)target;
    __global const float* x = logits + logits_off + (size_t)r * classes;
    float top = x[0];
    for (int c = 1; c < classes; ++c) top = fmax(top, x[c]);
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) total += exp(x[c] - top);
    losses[losses_off + r] = log(total) - (x[k] - top);
    if (!with_grad) return;
    __global float* g = dlogits + dlogits_off + (size_t)r * classes;
    float scale = grad_scale / total;
    for (int c = 0; c < classes; ++c) g[c] += scale * exp(x[c] - top);
    g[k] -= grad_scale;
}
