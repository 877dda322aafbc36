// Sampling's node–edge attention fused into the GEMM that computes its edge inputs (Ops/EdgeAttention.swift).
// Unfused, e_mul and e_add write two pair tensors (graphs·n·n × dim each, 50 MB apiece for the dinas
// preset at 384 graphs) that attention.cl reads straight back. Here one GEMM tile of 64 pair rows
// multiplies E by the packed weights (pack_edge_weights in attention.cl: each 64-column block holds
// 32 channels of e_mul, then the same 32 of e_add), leaves the raw products in local memory, and this
// epilogue finishes attention_forward's work for those rows and channels: scores, the y FiLM of the
// stored edge update, and the per-channel softmax over keys with the weighted sum of v. A tile holds
// 64/n whole query rows (g, i) because n divides 64 (the host checks), so no softmax crosses tiles.
// The node output leaves with y's FiLM applied too (film.cl's film_forward on weighted v), since
// sampling reads only that.
// linear.cl (float32) and linear_tc.cl (tensor cores) include this file and supply the GEMM.

// Ct: the tile's raw products, Ct[r·ldc + t] for pair row m0 + r and packed column t (t < 32: e_mul of
// channel c0 + t, else e_add of channel c0 + t − 32). Writes fe (pair rows) and fx (node rows) for
// the tile's query rows and channels c0 .. c0 + 31: fe as attention_forward writes it given
// e1 = (E·W_mulᵀ + b_mul)·pairmask and e2 likewise, fx = its weighted v·(1 + xmul) + xadd.
//
// The keys' k and v come from local memory: read from global memory inside the loop over keys, each
// key would wait a full round trip before the next (fe's store may alias k and v, so the compiler
// cannot hoist the loads), and every key would be read once per query row of the tile. A tile's
// key nodes are those of the graphs it touches: 64/n whole graphs when n ≤ 8 (n divides 64, so n² does
// too), else a part of one graph; either way at most EDGE_KEYS = 64 nodes, from node `key0` on.
// Ks holds EDGE_KEYS·32 floats of k, then the keys' node mask; Vs EDGE_KEYS·32 of v.
#define EDGE_KEYS 64

// The fused kernels' local memory is one array: first the GEMM's staging buffers (STAGE floats); once
// its loop is done (it ends at a barrier, so every warp has finished reading them) the tile's products
// Ct (64 × 65) and then Ks and Vs reuse it. EDGE_LOCAL_FLOATS is its size.
#define EDGE_CT_FLOATS (64 * 65)
#define EDGE_KV_FLOATS (EDGE_KEYS * 33 + EDGE_KEYS * 32)
#define EDGE_LOCAL_FLOATS(STAGE) ((STAGE) > EDGE_CT_FLOATS + EDGE_KV_FLOATS ? (STAGE) : EDGE_CT_FLOATS + EDGE_KV_FLOATS)

__attribute__((always_inline)) inline void edge_attention_tile(
        __local const float* Ct, const int ldc, int m0, int c0, int tid, int nthreads,
        __local float* Ks, __local float* Vs,
        __global float* fe, __global float* fx, __global const float* bmul, __global const float* badd,
        __global const float* q, __global const float* k, __global const float* v, __global const float* mask,
        __global const float* fmul, __global const float* fadd, __global const float* xmul, __global const float* xadd,
        int graphs, int n, int dim, float scale) {
    const int queries = 64 / n, nodes = graphs * n;
    const int key0 = (m0 / (n * n)) * n, keys = max(queries, n);   // the tile's first key node, and how many
    __local float* Ms = Ks + EDGE_KEYS * 32;
    for (int e = tid; e < keys * 32; e += nthreads) {
        const int node = key0 + e / 32, c = c0 + e % 32;
        const int inside = node < nodes && c < dim;
        Ks[e] = inside ? k[node * dim + c] : 0.0f;
        Vs[e] = inside ? v[node * dim + c] : 0.0f;
    }
    for (int e = tid; e < keys; e += nthreads) Ms[e] = key0 + e < nodes ? mask[key0 + e] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);   // also orders the GEMM's stores to Ct before the reads below

    for (int item = tid; item < queries * 32; item += nthreads) {
        const int t = item % 32, row0 = m0 + (item / 32) * n;   // neighbouring items: neighbouring channels
        const int c = c0 + t, qrow = row0 / n, g = qrow / n;    // qrow = g·n + i
        if (qrow >= nodes || c >= dim) continue;
        const int gc = g * dim + c, first = g * n - key0;       // the graph's first key in Ks/Vs/Ms
        const float qs = q[qrow * dim + c] * scale, mi = Ms[qrow - key0];
        const float film_mul = 1.0f + fmul[gc], film_add = fadd[gc], bm = bmul[c], ba = badd[c];
        __local const float* tile = Ct + (row0 - m0) * ldc + t;
        float m = -INFINITY, l = 0.0f, acc = 0.0f;
        for (int j = 0; j < n; j++) {
            const float mj = Ms[first + j], pm = mi * mj;
            const float e1 = (tile[j * ldc] + bm) * pm, e2 = (tile[j * ldc + 32] + ba) * pm;
            const int key = (first + j) * 32 + t;
            const float s = qs * Ks[key] * (e1 + 1.0f) + e2;
            fe[(row0 + j) * dim + c] = s * film_mul + film_add;
            if (mj != 0.0f) {   // the online softmax of attention.cl
                const float d = exp(-fabs(s - m)), vj = Vs[key];
                const bool newMax = s > m;
                l = newMax ? l * d + 1.0f : l + d;
                acc = newMax ? acc * d + vj : acc + d * vj;
                m = fmax(m, s);
            }
        }
        const float wv = l > 0.0f ? acc / l : 0.0f;
        fx[qrow * dim + c] = wv * (1.0f + xmul[gc]) + xadd[gc];
    }
}

// The arguments of both fused kernels (edge_attention_64 in linear.cl, edge_attention_tc_64 in
// linear_tc.cl): E (pairs × de), Wp the packed weights (blocks·64 × de), the biases of e_mul and e_add,
// the attention's node inputs, the node mask and y's FiLM of the edge update and of the node output.
#define EDGE_ATTENTION_ARGS                                                                                 \
    __global float* fe, int fe_off, __global float* fx, int fx_off,                                         \
    __global const float* E, int E_off, __global const float* Wp, int Wp_off,                               \
    __global const float* bmul, int bmul_off, __global const float* badd, int badd_off,                     \
    __global const float* q, int q_off, __global const float* k, int k_off,                                 \
    __global const float* v, int v_off, __global const float* mask, int mask_off,                           \
    __global const float* fmul, int fmul_off, __global const float* fadd, int fadd_off,                     \
    __global const float* xmul, int xmul_off, __global const float* xadd, int xadd_off,                     \
    int graphs, int n, int dim, int de, int blocks, float scale

// After the GEMM tile left its products in Ct = S: this group's epilogue, with Ks and Vs after Ct in S.
#define EDGE_ATTENTION_EPILOGUE(TID, NTHREADS, S)                                                           \
    edge_attention_tile((S), 65, get_group_id(1) * 64, get_group_id(0) * 32, (TID), (NTHREADS),            \
                        (S) + EDGE_CT_FLOATS, (S) + EDGE_CT_FLOATS + EDGE_KEYS * 33,                         \
                        fe + fe_off, fx + fx_off, bmul + bmul_off, badd + badd_off, q + q_off, k + k_off,   \
                        v + v_off, mask + mask_off, fmul + fmul_off, fadd + fadd_off, xmul + xmul_off,      \
                        xadd + xadd_off, graphs, n, dim, scale)
