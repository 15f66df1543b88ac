package dev.jlm.tensor.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code y[m×n] = x[m×k] · Wᵀ} where W [n×k] is stored compact, row by row (one row per output channel): int8 with
 * one float scale per row (w = scale·q), or the high half of float32 (bf16), or IEEE half precision (fp16). The
 * weights are read as stored; no float copy of W exists beyond one block of rows per thread.
 *
 * <p>Decode (m = 1) is bandwidth-bound, so the matrix-vector product converts weight lanes to floats in registers
 * (int8: byte lanes widened; bf16: short lanes shifted into the high half of an int) and reads each weight byte once.
 * Prefill (m &gt; 1) is compute-bound: each thread dequantizes a block of rows into its own buffer and hands it to
 * {@link Sgemm}, so the conversion is amortized over the m rows of x.
 */
public final class QuantizedGemm {
    /** Storage of the weight rows. */
    public enum Format { INT8, BF16, FP16 }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));

    /** Dequantized rows per block of the prefill path: enough to amortize packing x, small enough for L2. */
    private static final int BLOCK_FLOATS = 1 << 16;

    private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);

    private QuantizedGemm() {
    }

    /**
     * y[m×n] (row stride n, from {@code yOff}) = x[m×k] (row stride k, from {@code xOff}) · Wᵀ. For INT8, {@code int8}
     * holds W and {@code scales} one scale per row; for BF16 / FP16, {@code halves} holds the 16-bit patterns.
     */
    public static void multiply(Format format, int m, int n, int k, float[] x, int xOff, byte[] int8, short[] halves,
                                float[] scales, float[] y, int yOff) {
        if (m == 0 || n == 0) {
            return;
        }
        if (m == 1) {
            gemv(format, n, k, x, xOff, int8, halves, scales, y, yOff);
            return;
        }
        int block = Math.max(1, Math.min(n, BLOCK_FLOATS / Math.max(1, k)));
        int blocks = (n + block - 1) / block;
        Parallel.forRange(blocks, (long) m * block * k / 16, (first, last) -> {
            float[] rows = rowBuffer(block * k);
            for (int b = first; b < last; b++) {
                int row0 = b * block;
                int count = Math.min(block, n - row0);
                for (int r = 0; r < count; r++) {
                    dequantizeRow(format, row0 + r, k, int8, halves, scales, rows, r * k);
                }
                Sgemm.gemm(false, true, m, count, k, x, xOff, k, rows, 0, k, 0f, y, yOff + row0, n);
            }
        });
    }

    private static float[] rowBuffer(int floats) {
        float[] rows = ROWS.get();
        if (rows.length < floats) {
            rows = new float[floats];
            ROWS.set(rows);
        }
        return rows;
    }

    private static void gemv(Format format, int n, int k, float[] x, int xOff, byte[] int8, short[] halves,
                             float[] scales, float[] y, int yOff) {
        Parallel.forRange(n, k, (first, last) -> {
            float[] row = format == Format.FP16 ? rowBuffer(k) : null;
            int j = first;
            if (format == Format.INT8) {
                for (; j <= last - 4; j += 4) {
                    dotInt8FourRows(x, xOff, int8, j, k, scales, y, yOff + j);
                }
            }
            for (; j < last; j++) {
                y[yOff + j] = switch (format) {
                    case INT8 -> scales[j] * dotInt8(x, xOff, int8, j * k, k);
                    case BF16 -> dotBf16(x, xOff, halves, j * k, k);
                    case FP16 -> {
                        dequantizeRow(format, j, k, int8, halves, scales, row, 0);
                        yield dot(x, xOff, row, k);
                    }
                };
            }
        });
    }

    /** Rows j..j+3 at once: each x vector is loaded once for four weight rows. */
    private static void dotInt8FourRows(float[] x, int xOff, byte[] w, int j, int k, float[] scales, float[] y, int yOff) {
        int w0 = j * k;
        int w1 = w0 + k;
        int w2 = w1 + k;
        int w3 = w2 + k;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            acc0 = int8Lanes(w, w0 + i).fma(xv, acc0);
            acc1 = int8Lanes(w, w1 + i).fma(xv, acc1);
            acc2 = int8Lanes(w, w2 + i).fma(xv, acc2);
            acc3 = int8Lanes(w, w3 + i).fma(xv, acc3);
        }
        float s0 = acc0.reduceLanes(VectorOperators.ADD);
        float s1 = acc1.reduceLanes(VectorOperators.ADD);
        float s2 = acc2.reduceLanes(VectorOperators.ADD);
        float s3 = acc3.reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            float xi = x[xOff + i];
            s0 += w[w0 + i] * xi;
            s1 += w[w1 + i] * xi;
            s2 += w[w2 + i] * xi;
            s3 += w[w3 + i] * xi;
        }
        y[yOff] = scales[j] * s0;
        y[yOff + 1] = scales[j + 1] * s1;
        y[yOff + 2] = scales[j + 2] * s2;
        y[yOff + 3] = scales[j + 3] * s3;
    }

    private static FloatVector int8Lanes(byte[] w, int off) {
        return (FloatVector) ByteVector.fromArray(B, w, off).convertShape(VectorOperators.B2F, F, 0);
    }

    private static float dotInt8(float[] x, int xOff, byte[] w, int wOff, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - 2 * L; i += 2 * L) {
            acc0 = int8Lanes(w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = int8Lanes(w, wOff + i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            sum += w[wOff + i] * x[xOff + i];
        }
        return sum;
    }

    private static float dotBf16(float[] x, int xOff, short[] w, int wOff, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - 2 * L; i += 2 * L) {
            acc0 = bf16Lanes(w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = bf16Lanes(w, wOff + i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            sum += bf16(w[wOff + i]) * x[xOff + i];
        }
        return sum;
    }

    private static float dot(float[] x, int xOff, float[] w, int k) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - 2 * L; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromArray(F, w, i + L).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            sum += w[i] * x[xOff + i];
        }
        return sum;
    }

    /** A bf16 value is the high half of a float32: widen the short lanes to ints and shift them up. */
    private static FloatVector bf16Lanes(short[] w, int off) {
        IntVector wide = (IntVector) ShortVector.fromArray(H, w, off).convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** Row {@code row} of W as floats (scale applied) into {@code out[outOff, outOff + k)}. */
    public static void dequantizeRow(Format format, int row, int k, byte[] int8, short[] halves, float[] scales,
                                     float[] out, int outOff) {
        int wOff = row * k;
        int i = 0;
        switch (format) {
            case INT8 -> {
                FloatVector scale = FloatVector.broadcast(F, scales[row]);
                for (; i <= k - L; i += L) {
                    int8Lanes(int8, wOff + i).mul(scale).intoArray(out, outOff + i);
                }
                for (; i < k; i++) {
                    out[outOff + i] = scales[row] * int8[wOff + i];
                }
            }
            case BF16 -> {
                for (; i <= k - L; i += L) {
                    bf16Lanes(halves, wOff + i).intoArray(out, outOff + i);
                }
                for (; i < k; i++) {
                    out[outOff + i] = bf16(halves[wOff + i]);
                }
            }
            case FP16 -> {
                for (; i < k; i++) {
                    out[outOff + i] = Float.float16ToFloat(halves[wOff + i]);
                }
            }
        }
    }
}
