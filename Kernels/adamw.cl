// AdamW (torch.optim.AdamW order of operations; see Sources/Compute/Ops/AdamW.swift for the formula).
// Elementwise; the host computes the bias-corrected scalars in double. amsgrad = 0 leaves vmax untouched.

__kernel void adamw(__global float* params, int params_off, __global const float* grads, int grads_off,
                    __global float* m, int m_off, __global float* v, int v_off, __global float* vmax, int vmax_off,
                    int amsgrad, float decay, float m_weight, float beta2, float v_weight, float step_size,
                    float correction2_sqrt, float eps, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float p = params[params_off + i] * decay;
    float g = grads[grads_off + i];
    float mo = m[m_off + i];
    // torch.lerp: exact at both ends of the weight range.
    float mi = fabs(m_weight) < 0.5f ? mo + m_weight * (g - mo) : g - (g - mo) * (1.0f - m_weight);
    float vi = v[v_off + i] * beta2 + v_weight * (g * g);
    m[m_off + i] = mi;
    v[v_off + i] = vi;
    float second = vi;
    if (amsgrad) {
        second = fmax(vmax[vmax_off + i], vi);
        vmax[vmax_off + i] = second;
    }
    float denom = sqrt(second) / correction2_sqrt + eps;
    params[params_off + i] = p + -step_size * (mi / denom);
}
