// Positional encoding added to node features (dinas-spec §3.2: Xh + PE[0:n]):
// x[g,p,c] += table[p,c]; `period` = positions·dim, the table's size.

__kernel void add_per_position(__global float* x, int x_off, __global const float* table, int table_off,
                               int total, int period) {
    int i = get_global_id(0);
    if (i < total) x[x_off + i] += table[table_off + i % period];
}
