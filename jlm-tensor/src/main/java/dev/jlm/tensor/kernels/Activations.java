package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** GELU (erf and tanh forms) forward and backward over contiguous runs, SIMD with scalar tails and references. */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float C = 0.044715f;
    // Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, below float32 resolution of erf near 1.
    private static final float P = 0.3275911f;
    private static final float A1 = 0.254829592f;
    private static final float A2 = -0.284496736f;
    private static final float A3 = 1.421413741f;
    private static final float A4 = -1.453152027f;
    private static final float A5 = 1.061405429f;

    private Activations() {
    }

    /** erf(x) to float precision. */
    public static float erf(float x) {
        float ax = Math.abs(x);
        float t = 1f / (1f + P * ax);
        float poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
        float y = 1f - poly * (float) Math.exp(-ax * ax);
        return x < 0 ? -y : y;
    }

    private static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = FloatVector.broadcast(S, 1f).div(ax.fma(P, 1f));
        FloatVector poly = t.fma(A5, A4).fma(t, FloatVector.broadcast(S, A3)).fma(t, FloatVector.broadcast(S, A2))
                .fma(t, FloatVector.broadcast(S, A1)).mul(t);
        FloatVector y = poly.mul(ax.mul(ax).neg().lanewise(VectorOperators.EXP)).neg().add(1f);
        return y.blend(y.neg(), x.compare(VectorOperators.LT, 0f));
    }

    /** out = x·Φ(x) with the exact (erf) normal CDF, PyTorch's default GELU. */
    public static void gelu(float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            erf(v.mul(SQRT_HALF)).add(1f).mul(v).mul(0.5f).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = 0.5f * v * (1f + erf(v * SQRT_HALF));
        }
    }

    /** dx += dy · (Φ(x) + x·φ(x)). */
    public static void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector cdf = erf(v.mul(SQRT_HALF)).add(1f).mul(0.5f);
            FloatVector pdf = v.mul(v).mul(-0.5f).lanewise(VectorOperators.EXP).mul(INV_SQRT_2PI);
            FloatVector grad = v.fma(pdf, cdf);
            grad.fma(FloatVector.fromArray(S, dy, dyOff + i), FloatVector.fromArray(S, dx, dxOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            float cdf = 0.5f * (1f + erf(v * SQRT_HALF));
            float pdf = (float) Math.exp(-0.5f * v * v) * INV_SQRT_2PI;
            dx[dxOff + i] += dy[dyOff + i] * (cdf + v * pdf);
        }
    }

    /** out = ½x(1 + tanh(√(2/π)(x + 0.044715x³))): GPT-2's "gelu_new". */
    public static void geluTanh(float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector inner = v.mul(v).fma(C, 1f).mul(v).mul(SQRT_2_OVER_PI);
            inner.lanewise(VectorOperators.TANH).add(1f).mul(v).mul(0.5f).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            out[outOff + i] = 0.5f * v * (1f + (float) Math.tanh(SQRT_2_OVER_PI * (v + C * v * v * v)));
        }
    }

    /** dx += dy · d/dx geluTanh(x). */
    public static void geluTanhBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            FloatVector v2 = v.mul(v);
            FloatVector t = v2.fma(C, 1f).mul(v).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH);
            FloatVector dInner = v2.fma(3 * C, 1f).mul(SQRT_2_OVER_PI);
            // ½(1 + t) + ½x(1 − t²)·dInner
            FloatVector grad = t.add(1f).mul(0.5f).add(t.mul(t).neg().add(1f).mul(dInner).mul(v).mul(0.5f));
            grad.fma(FloatVector.fromArray(S, dy, dyOff + i), FloatVector.fromArray(S, dx, dxOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float v = x[xOff + i];
            float t = (float) Math.tanh(SQRT_2_OVER_PI * (v + C * v * v * v));
            float dInner = SQRT_2_OVER_PI * (1f + 3 * C * v * v);
            dx[dxOff + i] += dy[dyOff + i] * (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * dInner);
        }
    }
}
