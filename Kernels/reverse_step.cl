// One reverse step of the sampler for every row of a node or pair tensor (Sources/Compute/Ops/ReverseStep.swift):
// classifier-free guidance of the passes' x0 logits, softmax, truncation to the unconditional support,
// the posterior p(z_s | z_t) (dinas-spec §2.4) and a categorical draw. Rows have 2–11 classes, so as
// separate kernels each of these was a launch costing more than its work; here one work item takes one
// row through all of them in private memory. sampling.cl brings Philox, the draw and FP_CONTRACT OFF,
// so the guidance's a·x + b·y rounds as the Swift twin's does.
#include "sampling.cl"

// Softmax of p[0..classes) in place, max first so exp cannot overflow.
inline void softmax_private(float* p, int classes) {
    float top = p[0];
    for (int c = 1; c < classes; ++c) top = fmax(top, p[c]);
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) {
        p[c] = exp(p[c] - top);
        total = total + p[c];
    }
    const float scale = 1.0f / total;
    for (int c = 0; c < classes; ++c) p[c] = p[c] * scale;
}

// out[c] = p(z_s = c | z_t = zt) given p̂(x0) = p: Σ_a p[a]·Q_t[c, zt]·Q̄_s[a, c] / Q̄_t[a, zt], normalised.
// A denominator that is exactly 0 becomes 1e-6 (as the reference does); a row with zt < 0 (padding)
// or no mass is uniform; zt ≥ classes is a caller bug and gives NaN (then the draw gives −1).
inline void posterior_private(float* out, const float* p, float zt, __global const float* qt,
                              __global const float* qs_bar, __global const float* qt_bar, int classes) {
    if (zt < 0.0f) {
        for (int c = 0; c < classes; ++c) out[c] = 1.0f / (float)classes;
        return;
    }
    if (!(zt < (float)classes)) {
        for (int c = 0; c < classes; ++c) out[c] = NAN;
        return;
    }
    const int z = (int)zt;
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) {
        float mixed = 0.0f;
        for (int a = 0; a < classes; ++a) {
            float denominator = qt_bar[a * classes + z];
            if (denominator == 0.0f) denominator = 1e-6f;
            mixed = mixed + (p[a] / denominator) * qs_bar[a * classes + c];
        }
        out[c] = qt[c * classes + z] * mixed;
        total = total + out[c];
    }
    if (total == 0.0f) {
        for (int c = 0; c < classes; ++c) out[c] = 1.0f / (float)classes;
    } else {
        const float scale = 1.0f / total;
        for (int c = 0; c < classes; ++c) out[c] = out[c] * scale;
    }
}

// Predictor guidance (Nisonoff et al. 2024, first order): the posterior p(z_s = c) of a free row is
// multiplied by exp(clamp(scale·(g[c] − g[zt]))), where g is the predictor's gradient with respect to the
// row's one-hot input, and by 0 for a class the row can never take (allowed[c] = 0); then renormalised.
// A row with one allowed class (a fixed input or output node) and padding are left alone. For pair
// rows the state is symmetric, so the gradient is g(i, j) + g(j, i) and every class is allowed.
inline void predictor_guidance_private(float* post, int classes, int zt, __global const float* g, __global const float* gm,
                                       __global const float* allowed, float scale, float limit) {
    int free_classes = 0;
    for (int c = 0; c < classes; ++c) free_classes += allowed == 0 || allowed[c] > 0.5f;
    if (free_classes < 2) return;
    float base = g[zt] + (gm != 0 ? gm[zt] : 0.0f);
    float weighted[SAMPLE_MAX_CLASSES];
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) {
        if (allowed != 0 && !(allowed[c] > 0.5f)) { weighted[c] = 0.0f; continue; }
        const float gc = g[c] + (gm != 0 ? gm[c] : 0.0f);
        const float logw = fmin(fmax(scale * (gc - base), -limit), limit);
        weighted[c] = post[c] * exp(logw);
        total = total + weighted[c];
    }
    if (!(total > 0.0f)) return;   // guidance cannot rescue a row without allowed mass: keep the posterior
    const float inv = 1.0f / total;
    for (int c = 0; c < classes; ++c) post[c] = weighted[c] * inv;
}

// logits: `passes` blocks of rows × classes, the unconditional pass first. mix: (a, b) per further pass.
// trans: Q_t, Q̄_s, Q̄_t (classes² each, row-major). pair_nodes > 0: rows are (graph, i, j) pairs of
// that many nodes, and row (i, j) with i > j takes the draw of row (j, i), the diagonal class 0.
// use_guidance: apply predictor guidance from grad (rows × classes) with allowed (rows × classes, 0/1; node
// rows only), scale and limit. write_post: also write the distribution each row was drawn from (tests).
__kernel void reverse_step(__global float* out, int out_off, __global const float* logits, int logits_off,
                           int passes, __global const float* mix, int mix_off, float threshold,
                           __global const float* zt, int zt_off, __global const float* trans, int trans_off,
                           int rows, int classes, int pair_nodes, int seed_lo, int seed_hi, int stream_lo, int stream_hi,
                           __global const float* grad, int grad_off, __global const float* allowed, int allowed_off,
                           float guide_scale, float guide_limit, int use_guidance,
                           __global float* post, int post_off, int write_post) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    int src = r;
    if (pair_nodes > 0) {
        const int n = pair_nodes, g = r / (n * n), i = (r / n) % n, j = r % n;
        if (i == j) {
            out[out_off + r] = 0.0f;
            if (write_post) for (int c = 0; c < classes; ++c) post[post_off + r * classes + c] = c == 0 ? 1.0f : 0.0f;
            return;
        }
        if (i > j) src = g * n * n + j * n + i;
    }
    float guided[SAMPLE_MAX_CLASSES], support[SAMPLE_MAX_CLASSES];
    __global const float* x = logits + logits_off + (size_t)src * classes;
    for (int c = 0; c < classes; ++c) guided[c] = x[c];
    const int truncate = passes > 1 && threshold > 0.0f;
    if (truncate) {
        for (int c = 0; c < classes; ++c) support[c] = guided[c];
        softmax_private(support, classes);
    }
    for (int p = 1; p < passes; ++p) {
        const float a = mix[mix_off + 2 * (p - 1)], b = mix[mix_off + 2 * (p - 1) + 1];
        __global const float* xp = x + (size_t)p * rows * classes;
        for (int c = 0; c < classes; ++c) guided[c] = a * xp[c] + b * guided[c];
    }
    softmax_private(guided, classes);
    if (truncate) for (int c = 0; c < classes; ++c) if (support[c] < threshold) guided[c] = 0.0f;

    const int square = classes * classes;
    __global const float* m = trans + trans_off;
    const float z = zt[zt_off + src];
    posterior_private(support, guided, z, m, m + square, m + 2 * square, classes);
    if (use_guidance && z >= 0.0f && z < (float)classes) {
        __global const float* g = grad + grad_off + (size_t)src * classes;
        __global const float* gm = 0;
        __global const float* allow = 0;
        if (pair_nodes > 0) {
            const int n = pair_nodes, gi = src / (n * n), i = (src / n) % n, j = src % n;
            gm = grad + grad_off + (size_t)(gi * n * n + j * n + i) * classes;
        } else {
            allow = allowed + allowed_off + (size_t)src * classes;
        }
        predictor_guidance_private(support, classes, (int)z, g, gm, allow, guide_scale, guide_limit);
    }
    const float u = philox_uniform((uint)seed_lo, (uint)seed_hi, (uint)src, (uint)stream_lo, (uint)stream_hi);
    out[out_off + r] = draw_class(support, classes, u);
    if (write_post) for (int c = 0; c < classes; ++c) post[post_off + r * classes + c] = support[c];
}
