// Concatenation with a per-graph vector broadcast over positions (dinas-spec §3.2: the class
// embeddings cX, cE are appended to every node / pair): for a (G, P, A) and b (G, B),
// out[g,p,:] = [a[g,p,:], b[g,:]], width W = A + B. A may be 0 (Device.repeatRows); a is then not read.

__kernel void concat_broadcast_forward(__global float* out, int out_off, __global const float* a, int a_off,
                                       __global const float* b, int b_off, int graphs, int positions,
                                       int dimA, int dimB) {
    int i = get_global_id(0);
    int width = dimA + dimB;
    if (i >= graphs * positions * width) return;
    int r = i / width, c = i - r * width;
    out[out_off + i] = c < dimA ? a[a_off + r * dimA + c] : b[b_off + (r / positions) * dimB + (c - dimA)];
}

// da[g,p,:] += dout[g,p,0..<A]
__kernel void concat_broadcast_backward_a(__global float* da, int da_off, __global const float* dout, int dout_off,
                                          int rows, int dimA, int dimB) {
    int i = get_global_id(0);
    if (i >= rows * dimA) return;
    int r = i / dimA, c = i - r * dimA;
    da[da_off + i] += dout[dout_off + r * (dimA + dimB) + c];
}

// db[g,c] += Σ_p dout[g,p,A + c]: one work item per (graph, channel) walks the positions.
__kernel void concat_broadcast_backward_b(__global float* db, int db_off, __global const float* dout, int dout_off,
                                          int graphs, int positions, int dimA, int dimB) {
    int i = get_global_id(0);
    if (i >= graphs * dimB) return;
    int g = i / dimB, c = i - g * dimB;
    int width = dimA + dimB;
    __global const float* d = dout + dout_off + g * positions * width + dimA + c;
    float s = 0.0f;
    for (int p = 0; p < positions; ++p) s += d[p * width];
    db[db_off + i] += s;
}
