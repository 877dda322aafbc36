// Categorical sampling, pair-class mirroring and one-hot encoding (Sources/Compute/Ops/Sampling.swift).
// The sampler must pick exactly the classes the Swift twin picks for the same seed, so: Philox4x32-10
// is integer-only, u = (word >> 8)·2^-24 is exact, and the row sum and the CDF are accumulated left to
// right in fp32 with contraction off (FP_CONTRACT OFF; the loop has no a*b+c for -cl-mad-enable to fuse).
#pragma OPENCL FP_CONTRACT OFF

// Philox4x32-10 (Salmon et al., SC 2011); the host twin is Sources/Compute/Philox.swift.
inline uint4 philox4x32_10(uint4 ctr, uint2 key) {
    for (int i = 0; i < 10; ++i) {
        if (i > 0) { key.x += 0x9E3779B9u; key.y += 0xBB67AE85u; }
        uint hi0 = mul_hi(0xD2511F53u, ctr.x), lo0 = 0xD2511F53u * ctr.x;
        uint hi1 = mul_hi(0xCD9E8D57u, ctr.z), lo1 = 0xCD9E8D57u * ctr.z;
        ctr = (uint4)(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
    }
    return ctr;
}

// The stream definition shared with Philox4x32.uniform: counter (row, 0, stream lo, stream hi), key = seed.
inline float philox_uniform(uint seed_lo, uint seed_hi, uint row, uint stream_lo, uint stream_hi) {
    uint4 out = philox4x32_10((uint4)(row, 0u, stream_lo, stream_hi), (uint2)(seed_lo, seed_hi));
    return (float)(out.x >> 8) * 0x1.0p-24f;
}

// The most classes a row may have (the host checks): rows are copied to private memory.
#define SAMPLE_MAX_CLASSES 32

// Inverse CDF over the weights p[0..classes) (they need not sum to 1) at u ∈ [0, 1): the first c with
// u·Σ < p[0] + … + p[c]; the last positive class when rounding leaves u·Σ at Σ; −1 without mass.
inline float draw_class(const float* p, int classes, float u) {
    float total = 0.0f;
    for (int c = 0; c < classes; ++c) total = total + p[c];
    if (!(total > 0.0f)) return -1.0f;
    const float target = u * total;
    float cdf = 0.0f;
    int last_positive = -1;
    for (int c = 0; c < classes; ++c) {
        cdf = cdf + p[c];
        if (p[c] > 0.0f) last_positive = c;
        if (target < cdf) return (float)c;
    }
    return (float)last_positive;
}

__kernel void sample_categorical(__global float* out, int out_off, __global const float* probs, int probs_off,
                                 int rows, int classes, int seed_lo, int seed_hi, int stream_lo, int stream_hi) {
    int r = get_global_id(0);
    if (r >= rows) return;
    float p[SAMPLE_MAX_CLASSES];
    for (int c = 0; c < classes; ++c) p[c] = probs[probs_off + (size_t)r * classes + c];
    float u = philox_uniform((uint)seed_lo, (uint)seed_hi, (uint)r, (uint)stream_lo, (uint)stream_hi);
    out[out_off + r] = draw_class(p, classes, u);
}

// In place on (graphs, n, n): lower triangle := upper triangle, diagonal := 0. Work items write only
// the lower triangle and diagonal and read only the upper one, so there is no race.
__kernel void mirror_pair_classes(__global float* classes, int classes_off, int graphs, int n) {
    int idx = get_global_id(0);
    if (idx >= graphs * n * n) return;
    int g = idx / (n * n), rem = idx - g * n * n, i = rem / n, j = rem - i * n;
    __global float* x = classes + classes_off + (size_t)g * n * n;
    if (i > j) x[i * n + j] = x[j * n + i];
    else if (i == j) x[i * n + i] = 0.0f;
}

// One work item per output element; a negative or out-of-range class matches no c (zero row). The
// rows × class_count block is written `copies` times in a row (one per guidance pass).
__kernel void one_hot(__global float* out, int out_off, __global const float* classes, int classes_off,
                      int rows, int class_count, int copies) {
    int idx = get_global_id(0);
    if (idx >= rows * class_count * copies) return;
    int within = idx % (rows * class_count), r = within / class_count, c = within - r * class_count;
    out[out_off + idx] = classes[classes_off + r] == (float)c ? 1.0f : 0.0f;
}

// Exact predictor guidance scores every single-row change of every graph. Variant v is graph
// graph[v] with node row[v] set to class cls[v]: out[v] = its one-hot node tensor (n × class_count).
__kernel void one_hot_variants(__global float* out, int out_off, __global const float* classes, int classes_off,
                               __global const float* graph, int graph_off, __global const float* row, int row_off,
                               __global const float* cls, int cls_off, int variants, int n, int class_count) {
    int idx = get_global_id(0);
    if (idx >= variants * n * class_count) return;
    int v = idx / (n * class_count), j = (idx / class_count) % n, c = idx % class_count;
    int g = (int)graph[graph_off + v];
    float chosen = j == (int)row[row_off + v] ? cls[cls_off + v] : classes[classes_off + g * n + j];
    out[out_off + idx] = chosen == (float)c ? 1.0f : 0.0f;
}

// out[index[i]] = scale·values[i] (+ out[index[i]] when accumulate). Indices are whole numbers stored
// as Float and distinct, so no two work items write one place.
__kernel void scatter(__global float* out, int out_off, __global const float* values, int values_off,
                      __global const float* index, int index_off, int count, float scale, int accumulate) {
    int i = get_global_id(0);
    if (i >= count) return;
    int k = (int)index[index_off + i];
    float v = scale * values[values_off + i];
    out[out_off + k] = accumulate ? out[out_off + k] + v : v;
}
