package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** GELU (erf and tanh forms) forward and backward and ReLU over contiguous runs, SIMD with scalar tails and references. */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);
    private static final float INV_SQRT_2PI = (float) (1.0 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float C = 0.044715f;
    // erf(x) = x·P(x²)/Q(x²) on [−4, 4] (beyond, erf is ±1 in float): the rational approximation Eigen and XLA use
    // for float. |error| ≤ 4.0e-7 over [−6, 6] (checked on a 1e-4 grid against a double series), and no exp call.
    private static final float ERF_CLAMP = 4f;
    private static final float P13 = -2.72614225801306e-10f;
    private static final float P11 = 2.77068142495902e-08f;
    private static final float P9 = -2.10102402082508e-06f;
    private static final float P7 = -5.69250639462346e-05f;
    private static final float P5 = -7.34990630326855e-04f;
    private static final float P3 = -2.95459980854025e-03f;
    private static final float P1 = -1.60960333262415e-02f;
    private static final float Q8 = -1.45660718464996e-05f;
    private static final float Q6 = -2.13374055278905e-04f;
    private static final float Q4 = -1.68282697438203e-03f;
    private static final float Q2 = -7.37332916720468e-03f;
    private static final float Q0 = -1.42647390514189e-02f;

    private Activations() {
    }

    /** erf(x) to float precision. */
    public static float erf(float x) {
        float c = Math.max(-ERF_CLAMP, Math.min(ERF_CLAMP, x));
        float c2 = c * c;
        float p = (((((P13 * c2 + P11) * c2 + P9) * c2 + P7) * c2 + P5) * c2 + P3) * c2 + P1;
        float q = (((Q8 * c2 + Q6) * c2 + Q4) * c2 + Q2) * c2 + Q0;
        return c * p / q;
    }

    private static FloatVector erf(FloatVector x) {
        FloatVector c = x.max(-ERF_CLAMP).min(ERF_CLAMP);
        FloatVector c2 = c.mul(c);
        FloatVector p = c2.fma(P13, P11).fma(c2, FloatVector.broadcast(S, P9)).fma(c2, FloatVector.broadcast(S, P7))
                .fma(c2, FloatVector.broadcast(S, P5)).fma(c2, FloatVector.broadcast(S, P3))
                .fma(c2, FloatVector.broadcast(S, P1));
        FloatVector q = c2.fma(Q8, Q6).fma(c2, FloatVector.broadcast(S, Q4)).fma(c2, FloatVector.broadcast(S, Q2))
                .fma(c2, FloatVector.broadcast(S, Q0));
        return c.mul(p).div(q);
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

    /** out = max(x, 0). */
    public static void relu(float[] x, int xOff, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).max(0f).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.max(0f, x[xOff + i]);
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
