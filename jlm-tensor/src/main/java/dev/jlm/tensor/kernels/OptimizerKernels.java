package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Fused parameter-update kernels. */
public final class OptimizerKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private OptimizerKernels() {
    }

    /**
     * One AdamW update of n values: p[pOff..], g[gOff..], moments m/v[mOff..]. {@code decay} is 1 − lr·wd;
     * {@code c1}, {@code c2} the bias corrections 1 − βᵗ.
     */
    public static void adamW(float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, int mOff, int n,
                             float lr, float decay, float beta1, float beta2, float eps, float c1, float c2) {
        float stepSize = lr / c1;
        float rootC2 = (float) Math.sqrt(c2);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector grad = FloatVector.fromArray(S, g, gOff + i);
            FloatVector mv = FloatVector.fromArray(S, m, mOff + i).mul(beta1).add(grad.mul(1 - beta1));
            FloatVector vv = FloatVector.fromArray(S, v, mOff + i).mul(beta2).add(grad.mul(grad).mul(1 - beta2));
            mv.intoArray(m, mOff + i);
            vv.intoArray(v, mOff + i);
            FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(rootC2).add(eps);
            FloatVector.fromArray(S, p, pOff + i).mul(decay).sub(mv.div(denom).mul(stepSize)).intoArray(p, pOff + i);
        }
        for (; i < n; i++) {
            float grad = g[gOff + i];
            float mi = beta1 * m[mOff + i] + (1 - beta1) * grad;
            float vi = beta2 * v[mOff + i] + (1 - beta2) * grad * grad;
            m[mOff + i] = mi;
            v[mOff + i] = vi;
            p[pOff + i] = p[pOff + i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / rootC2 + eps);
        }
    }
}
