package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.SplittableRandom;

/** Element-wise SIMD kernels over contiguous runs of floats. */
public final class Elementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Binary arithmetic ops. */
    public enum Op {
        ADD, SUB, MUL, DIV;

        public float apply(float a, float b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
            };
        }
    }

    private Elementwise() {
    }

    /**
     * out[i] = a[i·aStep] op b[i·bStep] for i in [0, n), where a step of 0 broadcasts one value and 1 reads a run;
     * other steps take the scalar path. Each op has its own loop: the Vector API compiles an operator to SIMD only
     * when it is a constant at the call site.
     */
    public static void binary(Op op, float[] a, int aOff, int aStep, float[] b, int bOff, int bStep,
                              float[] out, int outOff, int n) {
        int i = 0;
        if ((aStep | bStep) <= 1) {
            i = switch (op) {
                case ADD -> add(a, aOff, aStep, b, bOff, bStep, out, outOff, n);
                case SUB -> sub(a, aOff, aStep, b, bOff, bStep, out, outOff, n);
                case MUL -> mul(a, aOff, aStep, b, bOff, bStep, out, outOff, n);
                case DIV -> div(a, aOff, aStep, b, bOff, bStep, out, outOff, n);
            };
        }
        for (; i < n; i++) {
            out[outOff + i] = op.apply(a[aOff + i * aStep], b[bOff + i * bStep]);
        }
    }

    private static FloatVector load(float[] x, int off, int step, int i) {
        return step == 0 ? FloatVector.broadcast(S, x[off]) : FloatVector.fromArray(S, x, off + i);
    }

    private static int add(float[] a, int aOff, int aStep, float[] b, int bOff, int bStep, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            load(a, aOff, aStep, i).add(load(b, bOff, bStep, i)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int sub(float[] a, int aOff, int aStep, float[] b, int bOff, int bStep, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            load(a, aOff, aStep, i).sub(load(b, bOff, bStep, i)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int mul(float[] a, int aOff, int aStep, float[] b, int bOff, int bStep, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            load(a, aOff, aStep, i).mul(load(b, bOff, bStep, i)).intoArray(out, outOff + i);
        }
        return i;
    }

    private static int div(float[] a, int aOff, int aStep, float[] b, int bOff, int bStep, float[] out, int outOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            load(a, aOff, aStep, i).div(load(b, bOff, bStep, i)).intoArray(out, outOff + i);
        }
        return i;
    }

    /** dst[i] += src[i]. */
    public static void accumulate(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dst, dstOff + i).add(FloatVector.fromArray(S, src, srcOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] += src[srcOff + i];
        }
    }

    /** dst[i] += scale · src[i]. */
    public static void accumulateScaled(float[] src, int srcOff, float scale, float[] dst, int dstOff, int n) {
        int i = 0;
        FloatVector vs = FloatVector.broadcast(S, scale);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, src, srcOff + i).fma(vs, FloatVector.fromArray(S, dst, dstOff + i)).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] += scale * src[srcOff + i];
        }
    }

    /** dst[i] += a[i] · b[i]. */
    public static void accumulateProduct(float[] a, int aOff, float[] b, int bOff, float[] dst, int dstOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), FloatVector.fromArray(S, dst, dstOff + i))
                    .intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] += a[aOff + i] * b[bOff + i];
        }
    }

    /** out[i] = scale · x[i] + shift. */
    public static void affine(float[] x, int xOff, float scale, float shift, float[] out, int outOff, int n) {
        int i = 0;
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector vt = FloatVector.broadcast(S, shift);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(vs, vt).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = scale * x[xOff + i] + shift;
        }
    }

    /** dst[i] += value. */
    public static void addScalar(float value, float[] dst, int dstOff, int n) {
        int i = 0;
        FloatVector v = FloatVector.broadcast(S, value);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, dst, dstOff + i).add(v).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] += value;
        }
    }

    /** Σ x[i]. */
    public static float sum(float[] x, int off, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc = acc.add(FloatVector.fromArray(S, x, off + i));
        }
        float total = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            total += x[off + i];
        }
        return total;
    }

    /** Σ a[i]·b[i]. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        }
        float total = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            total += a[aOff + i] * b[bOff + i];
        }
        return total;
    }

    /**
     * Inverted dropout's keep mask: mask[i] = 1/(1−p) with probability 1−p, else 0, one {@code nextFloat} per element
     * in order (scalar: the generator is sequential).
     */
    public static void dropoutMask(SplittableRandom random, float p, float[] mask, int off, int n) {
        float keep = 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            mask[off + i] = random.nextFloat() >= p ? keep : 0f;
        }
    }

    /** x[i] *= scale. */
    public static void scale(float[] x, int off, float scale, int n) {
        affine(x, off, scale, 0f, x, off, n);
    }
}
