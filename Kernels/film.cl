// Broadcast FiLM (dinas-spec §3.4: y_x_*, y_e_* modulate nodes and pairs with the graph vector):
// out[g,p,c] = inp[g,p,c]·(1 + mul[g,c]) + add[g,c], for inp (G, P, C) and mul/add (G, C).

__kernel void film_forward(__global float* out, int out_off, __global const float* inp, int inp_off,
                           __global const float* mul, int mul_off, __global const float* add, int add_off,
                           int graphs, int positions, int dim) {
    int i = get_global_id(0);
    if (i >= graphs * positions * dim) return;
    int c = i % dim, g = i / (positions * dim);
    int k = g * dim + c;
    out[out_off + i] = inp[inp_off + i] * (1.0f + mul[mul_off + k]) + add[add_off + k];
}

// One work item per (graph, channel) walks the positions: it adds dinp for each and sums the
// dmul/dadd reductions in registers (neighbouring items read neighbouring channels: coalesced).
__kernel void film_backward(__global float* dinp, int dinp_off, __global float* dmul, int dmul_off,
                            __global float* dadd, int dadd_off, __global const float* dout, int dout_off,
                            __global const float* inp, int inp_off, __global const float* mul, int mul_off,
                            int graphs, int positions, int dim) {
    int i = get_global_id(0);
    if (i >= graphs * dim) return;
    int g = i / dim, c = i - g * dim;
    int base = g * positions * dim + c;
    float scale = 1.0f + mul[mul_off + i];
    float sm = 0.0f, sa = 0.0f;
    for (int p = 0; p < positions; ++p) {
        int j = base + p * dim;
        float d = dout[dout_off + j];
        dinp[dinp_off + j] += d * scale;
        sm += d * inp[inp_off + j];
        sa += d;
    }
    dmul[dmul_off + i] += sm;
    dadd[dadd_off + i] += sa;
}
