package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Fused parameter-update kernels: one pass over parameter, gradient and state instead of one per operation. */
public final class OptimizerKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private OptimizerKernels() {
    }

    /**
     * One AdamW update of n values: parameters p[pOff..], gradients g[gOff..], moments m/v[mOff..]. The operations
     * and their rounding follow PyTorch's single-tensor AdamW on CPU, whose kernels fuse multiply-adds:
     * p·decay; m + (1−β1)·(g − m) fused; ((1−β2)·g)·g + v·β2 fused; p + (−stepSize·m) / (√v / rootCorrection2 + ε).
     *
     * @param decay           1 − lr·wd
     * @param stepSize        lr / (1 − β1ᵗ)
     * @param rootCorrection2 √(1 − β2ᵗ)
     */
    public static void adamW(float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff, int n,
                             float decay, float beta1, float beta2, float eps, float stepSize, float rootCorrection2) {
        float w1 = (float) (1 - (double) beta1);
        float w2 = (float) (1 - (double) beta2);
        float negStep = -stepSize;
        FloatVector lerpWeight = FloatVector.broadcast(S, w1);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector grad = FloatVector.fromArray(S, g, gOff + i);
            FloatVector m0 = FloatVector.fromArray(S, m, mOff + i);
            FloatVector m1 = grad.sub(m0).fma(lerpWeight, m0);
            FloatVector v1 = grad.mul(w2).fma(grad, FloatVector.fromArray(S, v, mOff + i).mul(beta2));
            m1.intoArray(m, mOff + i);
            v1.intoArray(v, mOff + i);
            FloatVector denom = v1.lanewise(VectorOperators.SQRT).div(rootCorrection2).add(eps);
            FloatVector.fromArray(S, p, pOff + i).mul(decay).add(m1.mul(negStep).div(denom)).intoArray(p, pOff + i);
        }
        for (; i < n; i++) {
            float grad = g[gOff + i];
            float m1 = Math.fma(w1, grad - m[mOff + i], m[mOff + i]);
            float v1 = Math.fma(w2 * grad, grad, v[mOff + i] * beta2);
            m[mOff + i] = m1;
            v[mOff + i] = v1;
            p[pOff + i] = p[pOff + i] * decay + negStep * m1 / ((float) Math.sqrt(v1) / rootCorrection2 + eps);
        }
    }
}
