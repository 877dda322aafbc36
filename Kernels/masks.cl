// Node and pair masks for padded graphs (dinas-spec §3.2, §3.4): multiply in place by 0/1, as
// PyTorch's x * mask does (so the backward is the same multiplication applied to the gradient).
// The node mask is (G, n); node rows are g·n + i, pair rows (g·n + i)·n + j; the pair
// kernel's work items are (channel, i·n + j, graph).

__kernel void apply_node_mask(__global float* x, int x_off, __global const float* mask, int mask_off,
                              int rows, int dim) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c < dim && r < rows) x[x_off + r * dim + c] *= mask[mask_off + r];
}

__kernel void apply_pair_mask(__global float* x, int x_off, __global const float* mask, int mask_off,
                              int graphs, int n, int dim, int zero_diagonal) {
    int c = get_global_id(0), t = get_global_id(1), g = get_global_id(2);
    if (c >= dim || t >= n * n || g >= graphs) return;
    int i = t / n, j = t - i * n;
    float f = zero_diagonal && i == j ? 0.0f : mask[mask_off + g * n + i] * mask[mask_off + g * n + j];
    x[x_off + (g * n * n + t) * dim + c] *= f;
}
