package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Fused per-row kernels: softmax, log-softmax, layer norm and cross-entropy over one contiguous row. */
public final class Rows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Rows() {
    }

    /** The largest of n values (−∞ for none); a partial last vector is read under a mask. */
    public static float max(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc = acc.max(FloatVector.fromArray(S, x, off + i));
        }
        if (i < n) {
            VectorMask<Float> tail = S.indexInRange(i, n);
            acc = acc.max(FloatVector.fromArray(S, x, off + i, tail).blend(Float.NEGATIVE_INFINITY, tail.not()));
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /**
     * out = exp(x − shift); returns Σ out. The partial last vector runs under a mask rather than through scalar
     * {@code Math.exp}, which would cost more than the vectors for the short rows of attention.
     */
    public static float expShifted(float[] x, int xOff, float shift, float[] out, int outOff, int n) {
        int i = 0;
        FloatVector sum = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, xOff + i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(out, outOff + i);
            sum = sum.add(e);
        }
        if (i < n) {
            VectorMask<Float> tail = S.indexInRange(i, n);
            FloatVector e = FloatVector.fromArray(S, x, xOff + i, tail).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(out, outOff + i, tail);
            sum = sum.add(e, tail);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** Σ exp(x − shift), without storing the terms (the partial last vector under a mask). */
    public static float sumExpShifted(float[] x, int off, float shift, int n) {
        int i = 0;
        FloatVector sum = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            sum = sum.add(FloatVector.fromArray(S, x, off + i).sub(shift).lanewise(VectorOperators.EXP));
        }
        if (i < n) {
            VectorMask<Float> tail = S.indexInRange(i, n);
            sum = sum.add(FloatVector.fromArray(S, x, off + i, tail).sub(shift).lanewise(VectorOperators.EXP), tail);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** log Σ exp(x), stable. */
    public static float logSumExp(float[] x, int off, int n) {
        float max = max(x, off, n);
        if (max == Float.NEGATIVE_INFINITY) {
            return max;
        }
        return max + (float) Math.log(sumExpShifted(x, off, max, n));
    }

    /** y = softmax(x) over one row. */
    public static void softmax(float[] x, int xOff, float[] y, int yOff, int n) {
        float max = max(x, xOff, n);
        float sum = expShifted(x, xOff, max, y, yOff, n);
        Elementwise.scale(y, yOff, 1f / sum, n);
    }

    /**
     * x = softmax(scale·x) in place over one row (scale > 0), as attention needs it: one call per row of scores,
     * the scale folded into the exponent, a partial last vector under a mask.
     */
    public static void scaledSoftmaxInPlace(float[] x, int off, float scale, int n) {
        float max = max(x, off, n);
        FloatVector shift = FloatVector.broadcast(S, -max * scale);
        FloatVector sum = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(S, x, off + i).fma(FloatVector.broadcast(S, scale), shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            sum = sum.add(e);
        }
        VectorMask<Float> tail = S.indexInRange(i, n);
        if (i < n) {
            FloatVector e = FloatVector.fromArray(S, x, off + i, tail).fma(FloatVector.broadcast(S, scale), shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i, tail);
            sum = sum.add(e, tail);
        }
        float inverse = 1f / sum.reduceLanes(VectorOperators.ADD);
        for (i = 0; i < S.loopBound(n); i += L) {
            FloatVector.fromArray(S, x, off + i).mul(inverse).intoArray(x, off + i);
        }
        if (i < n) {
            FloatVector.fromArray(S, x, off + i, tail).mul(inverse).intoArray(x, off + i, tail);
        }
    }

    /**
     * {@link #scaledSoftmaxInPlace} over {@code rows} rows {@code ld} apart, each of {@code n} values, n a multiple of
     * the vector length (attention pads its score rows with −∞): four rows at a time, so that their reductions and
     * exps overlap instead of each row waiting on its own.
     */
    public static void scaledSoftmaxRows(float[] x, int off, int ld, int rows, float scale, int n) {
        FloatVector factor = FloatVector.broadcast(S, scale);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int o0 = off + r * ld;
            int o1 = o0 + ld;
            int o2 = o1 + ld;
            int o3 = o2 + ld;
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector m1 = m0;
            FloatVector m2 = m0;
            FloatVector m3 = m0;
            for (int i = 0; i < n; i += L) {
                m0 = m0.max(FloatVector.fromArray(S, x, o0 + i));
                m1 = m1.max(FloatVector.fromArray(S, x, o1 + i));
                m2 = m2.max(FloatVector.fromArray(S, x, o2 + i));
                m3 = m3.max(FloatVector.fromArray(S, x, o3 + i));
            }
            FloatVector s0 = FloatVector.broadcast(S, -m0.reduceLanes(VectorOperators.MAX) * scale);
            FloatVector s1 = FloatVector.broadcast(S, -m1.reduceLanes(VectorOperators.MAX) * scale);
            FloatVector s2 = FloatVector.broadcast(S, -m2.reduceLanes(VectorOperators.MAX) * scale);
            FloatVector s3 = FloatVector.broadcast(S, -m3.reduceLanes(VectorOperators.MAX) * scale);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int i = 0; i < n; i += L) {
                FloatVector e0 = FloatVector.fromArray(S, x, o0 + i).fma(factor, s0).lanewise(VectorOperators.EXP);
                FloatVector e1 = FloatVector.fromArray(S, x, o1 + i).fma(factor, s1).lanewise(VectorOperators.EXP);
                FloatVector e2 = FloatVector.fromArray(S, x, o2 + i).fma(factor, s2).lanewise(VectorOperators.EXP);
                FloatVector e3 = FloatVector.fromArray(S, x, o3 + i).fma(factor, s3).lanewise(VectorOperators.EXP);
                e0.intoArray(x, o0 + i);
                e1.intoArray(x, o1 + i);
                e2.intoArray(x, o2 + i);
                e3.intoArray(x, o3 + i);
                a0 = a0.add(e0);
                a1 = a1.add(e1);
                a2 = a2.add(e2);
                a3 = a3.add(e3);
            }
            float i0 = 1f / a0.reduceLanes(VectorOperators.ADD);
            float i1 = 1f / a1.reduceLanes(VectorOperators.ADD);
            float i2 = 1f / a2.reduceLanes(VectorOperators.ADD);
            float i3 = 1f / a3.reduceLanes(VectorOperators.ADD);
            for (int i = 0; i < n; i += L) {
                FloatVector.fromArray(S, x, o0 + i).mul(i0).intoArray(x, o0 + i);
                FloatVector.fromArray(S, x, o1 + i).mul(i1).intoArray(x, o1 + i);
                FloatVector.fromArray(S, x, o2 + i).mul(i2).intoArray(x, o2 + i);
                FloatVector.fromArray(S, x, o3 + i).mul(i3).intoArray(x, o3 + i);
            }
        }
        for (; r < rows; r++) {
            scaledSoftmaxInPlace(x, off + r * ld, scale, n);
        }
    }

    /** dx += y ∘ (dy − Σ dy∘y), the softmax backward. */
    public static void softmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float dot = Elementwise.dot(dy, dyOff, y, yOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector vy = FloatVector.fromArray(S, y, yOff + i);
            FloatVector.fromArray(S, dy, dyOff + i).sub(dot).fma(vy, FloatVector.fromArray(S, dx, dxOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            dx[dxOff + i] += y[yOff + i] * (dy[dyOff + i] - dot);
        }
    }

    /** d ← scale · y ∘ (d − Σ d∘y), in place: the softmax backward where the incoming gradient may be overwritten. */
    public static void softmaxGradient(float[] y, int yOff, float[] d, int dOff, float scale, int n) {
        float dot = Elementwise.dot(d, dOff, y, yOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, d, dOff + i).sub(dot).mul(FloatVector.fromArray(S, y, yOff + i)).mul(scale).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = scale * y[yOff + i] * (d[dOff + i] - dot);
        }
    }

    /** y = x − logΣexp(x) over one row. */
    public static void logSoftmax(float[] x, int xOff, float[] y, int yOff, int n) {
        Elementwise.affine(x, xOff, 1f, -logSumExp(x, xOff, n), y, yOff, n);
    }

    /** dx += dy − exp(y)·Σdy, the log-softmax backward. */
    public static void logSoftmaxBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n) {
        float sum = Elementwise.sum(dy, dyOff, n);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector p = FloatVector.fromArray(S, y, yOff + i).lanewise(VectorOperators.EXP);
            FloatVector.fromArray(S, dy, dyOff + i).sub(p.mul(sum)).add(FloatVector.fromArray(S, dx, dxOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            dx[dxOff + i] += dy[dyOff + i] - (float) Math.exp(y[yOff + i]) * sum;
        }
    }

    /**
     * Layer norm of one row: y = (x − mean)·rstd·w + b (w, b may be null). Returns {mean, rstd} packed for backward
     * through {@code stats[statsOff]} and {@code stats[statsOff + 1]}.
     */
    public static void layerNorm(float[] x, int xOff, float[] w, float[] b, float eps, float[] y, int yOff, int n,
                                 float[] stats, int statsOff) {
        float mean = Elementwise.sum(x, xOff, n) / n;
        int i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, xOff + i).sub(mean);
            acc = d.fma(d, acc);
        }
        float var = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            var += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(var / n + eps));
        stats[statsOff] = mean;
        stats[statsOff + 1] = rstd;
        i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            if (w != null) {
                v = v.mul(FloatVector.fromArray(S, w, i));
            }
            if (b != null) {
                v = v.add(FloatVector.fromArray(S, b, i));
            }
            v.intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            float v = (x[xOff + i] - mean) * rstd;
            y[yOff + i] = (w != null ? v * w[i] : v) + (b != null ? b[i] : 0f);
        }
    }

    /**
     * Layer norm backward for one row: dx += rstd·(g − mean(g) − x̂·mean(g∘x̂)) with g = dy∘w; dw += dy∘x̂ and
     * db += dy when those are non-null.
     */
    public static void layerNormBackward(float[] x, int xOff, float[] w, float mean, float rstd, float[] dy, int dyOff,
                                         float[] dx, int dxOff, float[] dw, float[] db, int n) {
        FloatVector accG = FloatVector.zero(S);
        FloatVector accGx = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += L) {
            FloatVector xhat = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector vdy = FloatVector.fromArray(S, dy, dyOff + i);
            FloatVector g = w != null ? vdy.mul(FloatVector.fromArray(S, w, i)) : vdy;
            accG = accG.add(g);
            accGx = g.fma(xhat, accGx);
            if (dw != null) {
                vdy.fma(xhat, FloatVector.fromArray(S, dw, i)).intoArray(dw, i);
            }
            if (db != null) {
                vdy.add(FloatVector.fromArray(S, db, i)).intoArray(db, i);
            }
        }
        float sumG = accG.reduceLanes(VectorOperators.ADD);
        float sumGx = accGx.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float xhat = (x[xOff + i] - mean) * rstd;
            float g = dy[dyOff + i] * (w != null ? w[i] : 1f);
            sumG += g;
            sumGx += g * xhat;
            if (dw != null) {
                dw[i] += dy[dyOff + i] * xhat;
            }
            if (db != null) {
                db[i] += dy[dyOff + i];
            }
        }
        if (dx == null) {
            return;
        }
        float meanG = sumG / n;
        float meanGx = sumGx / n;
        i = 0;
        for (; i < bound; i += L) {
            FloatVector xhat = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(rstd);
            FloatVector vdy = FloatVector.fromArray(S, dy, dyOff + i);
            FloatVector g = w != null ? vdy.mul(FloatVector.fromArray(S, w, i)) : vdy;
            g.sub(meanG).sub(xhat.mul(meanGx)).mul(rstd).add(FloatVector.fromArray(S, dx, dxOff + i)).intoArray(dx, dxOff + i);
        }
        for (; i < n; i++) {
            float xhat = (x[xOff + i] - mean) * rstd;
            float g = dy[dyOff + i] * (w != null ? w[i] : 1f);
            dx[dxOff + i] += rstd * (g - meanG - xhat * meanGx);
        }
    }
}
