// Categorical posterior p(z_s | z_t) of the discrete diffusion (dinas-spec §2.4); formula and edge
// cases in Sources/Compute/Ops/Posterior.swift. One work item per row (classes ≤ ~11, so the
// classes² inner loop is tiny); the unnormalised row is staged in `out` and scaled in place.

__kernel void categorical_posterior(__global float* out, int out_off, __global const float* x0_probs, int x0_off,
                                    __global const float* zt, int zt_off, __global const float* qt, int qt_off,
                                    __global const float* qs_bar, int qs_off, __global const float* qt_bar, int qtb_off,
                                    int rows, int classes, int rows_per_graph) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global float* dst = out + out_off + (size_t)r * classes;
    float current = zt[zt_off + r];
    if (current < 0.0f) {
        for (int c = 0; c < classes; ++c) dst[c] = 1.0f / (float)classes;
        return;
    }
    if (!(current < (float)classes)) {  // caller bug (also a NaN class): make it visible
        for (int c = 0; c < classes; ++c) dst[c] = NAN;
        return;
    }
    int zi = (int)current, g = r / rows_per_graph, square = classes * classes;
    __global const float* p = x0_probs + x0_off + (size_t)r * classes;
    __global const float* step = qt + qt_off + (size_t)g * square;
    __global const float* prev = qs_bar + qs_off + (size_t)g * square;
    __global const float* now = qt_bar + qtb_off + (size_t)g * square;
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) {
        float mixed = 0.0f;
        for (int a = 0; a < classes; ++a) {
            float denominator = now[a * classes + zi];
            if (denominator == 0.0f) denominator = 1e-6f;
            mixed += (p[a] / denominator) * prev[a * classes + c];
        }
        float u = step[c * classes + zi] * mixed;
        dst[c] = u;
        total += u;
    }
    if (total == 0.0f) {
        for (int c = 0; c < classes; ++c) dst[c] = 1.0f / (float)classes;
    } else {
        float scale = 1.0f / total;
        for (int c = 0; c < classes; ++c) dst[c] *= scale;
    }
}
