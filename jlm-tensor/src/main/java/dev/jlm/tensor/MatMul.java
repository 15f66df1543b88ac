package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Elementwise;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.Sgemm;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/** {@link Tensor#matmul}: forward and backward as strided GEMM calls that read transposed views in place. */
final class MatMul {
    private MatMul() {
    }

    /**
     * One operand as the GEMM sees it: {@code batch} matrices of {@code rows×cols} (logical), stored with leading
     * dimension {@code ld}, transposed in memory when {@code trans}, {@code batchStride} apart (0 = shared).
     */
    private record Operand(Tensor t, int batch, int rows, int cols, boolean trans, int ld, long batchStride,
                           boolean gradTransposed) {
        Operand(Tensor t, int batch, int rows, int cols, boolean trans, int ld, long batchStride) {
            this(t, batch, rows, cols, trans, ld, batchStride, false);
        }

        /** The same memory seen as the transposed matrix; its gradient buffer then holds the transposed gradient. */
        Operand transposed() {
            return new Operand(t, batch, cols, rows, !trans, ld, batchStride, !gradTransposed);
        }

        Operand withBatch(int newBatch, long stride) {
            return new Operand(t, newBatch, rows, cols, trans, ld, stride, gradTransposed);
        }

        float[] data() {
            return t.data;
        }

        int offset() {
            return t.offset;
        }
    }

    static Tensor forward(Tensor a0, Tensor b0) {
        if (a0.dim() < 2 || b0.dim() < 2) {
            throw new IllegalArgumentException("matmul needs tensors of rank >= 2, got " + Arrays.toString(a0.shape)
                    + " and " + Arrays.toString(b0.shape));
        }
        int k = a0.size(-1);
        if (b0.size(-2) != k) {
            throw new IllegalArgumentException("matmul shapes " + Arrays.toString(a0.shape) + " and "
                    + Arrays.toString(b0.shape) + " do not align");
        }
        int[] batchA = Arrays.copyOf(a0.shape, a0.dim() - 2);
        int[] batchB = Arrays.copyOf(b0.shape, b0.dim() - 2);
        int m = a0.size(-2);
        int n = b0.size(-1);
        int[] outShape;
        Operand a;
        Operand b;
        if (batchB.length == 0) {
            // [.., m, k]·[k, n]: fold a's batch into rows when its layout allows (the Linear layer case).
            outShape = append(batchA, m, n);
            Operand folded = foldRows(a0);
            a = folded != null ? folded : operand(a0.contiguous(), Shapes.numel(batchA));
            b = operand(b0, 1);
            if (folded == null) {
                b = b.withBatch(a.batch, 0);
            }
        } else if (batchA.length == 0) {
            outShape = append(batchB, m, n);
            b = operand(b0, Shapes.numel(batchB));
            a = operand(a0, 1).withBatch(b.batch, 0);
        } else if (Arrays.equals(batchA, batchB)) {
            outShape = append(batchA, m, n);
            a = operand(a0, Shapes.numel(batchA));
            b = operand(b0, Shapes.numel(batchB));
        } else {
            throw new IllegalArgumentException("matmul batch shapes " + Arrays.toString(batchA) + " and "
                    + Arrays.toString(batchB) + " differ");
        }
        Tensor out = Tensor.output(false, outShape);
        int batch = Math.max(a.batch, b.batch);
        int mm = a.rows;
        Sgemm.batched(batch, a.trans, b.trans, mm, n, k, a.data(), a.offset(), a.batchStride, a.ld,
                b.data(), b.offset(), b.batchStride, b.ld, 0f, out.data, 0, (long) mm * n, n);
        Operand fa = a;
        Operand fb = b;
        return out.track("matmul", g -> backward(g, fa, fb, batch, mm, n, k), fa.t, fb.t);
    }

    private static void backward(Tensor g, Operand a, Operand b, int batch, int m, int n, int k) {
        long gStride = (long) m * n;
        if (a.t.requiresGrad()) {
            // dA = dC·op(B)ᵀ, or for a transposed view its source's gradient (dA)ᵀ = op(B)·dCᵀ.
            float[] ga = a.t.gradBuffer().data;
            long gaStride = (long) m * k;
            for (int i = 0, runs = a.batchStride == 0 ? batch : 1; i < runs; i++) {
                int gOff = (int) (i * gStride);
                int bOff = (int) (b.offset() + i * b.batchStride);
                int count = a.batchStride == 0 ? 1 : batch;
                long step = a.batchStride == 0 ? 0 : gaStride;
                if (a.gradTransposed) {
                    Sgemm.batched(count, b.trans, true, k, m, n, b.data(), bOff, b.batchStride, b.ld,
                            g.data, gOff, gStride, n, 1f, ga, 0, step, m);
                } else {
                    Sgemm.batched(count, false, !b.trans, m, k, n, g.data, gOff, gStride, n,
                            b.data(), bOff, b.batchStride, b.ld, 1f, ga, 0, step, k);
                }
            }
        }
        if (b.t.requiresGrad()) {
            // dB = op(A)ᵀ·dC, or for a transposed view (a Linear weight) its source's gradient (dB)ᵀ = dCᵀ·op(A).
            float[] gb = b.t.gradBuffer().data;
            long gbStride = (long) k * n;
            for (int i = 0, runs = b.batchStride == 0 ? batch : 1; i < runs; i++) {
                int gOff = (int) (i * gStride);
                int aOff = (int) (a.offset() + i * a.batchStride);
                int count = b.batchStride == 0 ? 1 : batch;
                long step = b.batchStride == 0 ? 0 : gbStride;
                if (b.gradTransposed) {
                    Sgemm.batched(count, true, a.trans, n, k, m, g.data, gOff, gStride, n,
                            a.data(), aOff, a.batchStride, a.ld, 1f, gb, 0, step, k);
                } else {
                    Sgemm.batched(count, !a.trans, false, k, n, m, a.data(), aOff, a.batchStride, a.ld,
                            g.data, gOff, gStride, n, 1f, gb, 0, step, n);
                }
            }
        }
    }

    /**
     * {@link F#linear}: {@code x·Wᵀ + b} as one GEMM that adds the bias while it writes each output tile (no second
     * pass over the output); backward is dX = dY·W and dW = dYᵀ·X as two GEMMs, and db the column sums of dY. An
     * {@code activation} kernel, run on each tile too, has no backward here: callers pass one only when no gradient
     * is recorded. When none is, the weight is packed once for the matrix kernel and the packed copy is reused for as
     * long as the weight's {@link Tensor#version()} stays the same, so inference never packs a layer twice.
     */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias, Sgemm.Epilogue activation) {
        if (weight.dim() != 2 || x.dim() < 1 || x.size(-1) != weight.shape[1]) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(x.shape) + " and weight "
                    + Arrays.toString(weight.shape) + " (out × in) do not align");
        }
        int in = weight.shape[1];
        int outFeatures = weight.shape[0];
        if (bias != null && (bias.dim() != 1 || bias.shape[0] != outFeatures)) {
            throw new IllegalArgumentException("linear: bias " + Arrays.toString(bias.shape) + " for " + outFeatures
                    + " outputs");
        }
        Operand folded = x.dim() >= 2 ? foldRows(x) : null;
        Tensor rows = folded != null ? x : x.contiguous();
        int lda = folded != null ? folded.ld : in;
        int m = x.numel() / Math.max(1, in);
        Tensor w = weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        int[] outShape = x.shape.clone();
        outShape[outShape.length - 1] = outFeatures;
        Tensor out = Tensor.output(false, outShape);
        float[] biasData = b == null ? null : b.data;
        int biasOff = b == null ? 0 : b.offset;
        boolean recorded = GradMode.enabled() && (rows.requiresGrad() || w.requiresGrad() || (b != null && b.requiresGrad()));
        if (!recorded && w == weight) {
            Sgemm.gemm(m, rows.data, rows.offset, lda, packed(w), 0f, biasData, biasOff, activation, out.data, 0,
                    outFeatures);
            return out;
        }
        Sgemm.gemm(false, true, m, outFeatures, in, rows.data, rows.offset, lda, w.data, w.offset, in,
                0f, biasData, biasOff, activation, out.data, 0, outFeatures);
        if (activation != null) {
            return out;
        }
        Tensor[] inputs = b == null ? new Tensor[] {rows, w} : new Tensor[] {rows, w, b};
        return out.track("linear", g -> {
            if (rows.requiresGrad()) {
                Sgemm.gemm(false, false, m, in, outFeatures, g.data, 0, outFeatures, w.data, w.offset, in,
                        1f, rows.gradBuffer().data, 0, in);
            }
            if (w.requiresGrad()) {
                Sgemm.gemm(true, false, outFeatures, in, m, g.data, 0, outFeatures, rows.data, rows.offset, lda,
                        1f, w.gradBuffer().data, 0, in);
            }
            if (b != null && b.requiresGrad()) {
                float[] gb = b.gradBuffer().data;
                Parallel.forRange(outFeatures, m, (start, end) -> {
                    for (int r = 0; r < m; r++) {
                        Elementwise.accumulate(g.data, r * outFeatures + start, gb, start, end - start);
                    }
                });
            }
        }, inputs);
    }

    /** A weight packed for the matrix kernel, with the version of the weight it was packed from. */
    private record PackedWeight(int version, Sgemm.Packed packed) {
    }

    /** Packed weights by weight tensor (identity; an entry goes when its weight is collected). */
    private static final Map<Tensor, PackedWeight> PACKED = Collections.synchronizedMap(new WeakHashMap<>());

    /** {@code weight} [out, in] (contiguous) packed as the transposed B of x·Wᵀ, from the cache while it is current. */
    private static Sgemm.Packed packed(Tensor weight) {
        PackedWeight cached = PACKED.get(weight);
        if (cached != null && cached.version == weight.version()) {
            return cached.packed;
        }
        int version = weight.version();
        int in = weight.shape[1];
        Sgemm.Packed packed = Sgemm.pack(true, in, weight.shape[0], weight.data, weight.offset, in);
        PACKED.put(weight, new PackedWeight(version, packed));
        return packed;
    }

    /** A [.., m, k] tensor whose rows all sit at one stride, seen as a single [(..·m), k] matrix; else null. */
    private static Operand foldRows(Tensor t) {
        int rank = t.dim();
        int k = t.shape[rank - 1];
        if (t.strides[rank - 1] != 1 && k != 1) {
            return null;
        }
        int rowStride = t.strides[rank - 2];
        int rows = t.shape[rank - 2];
        for (int d = rank - 3; d >= 0; d--) {
            if (t.shape[d] != 1 && t.strides[d] != rowStride * rows) {
                return null;
            }
            rows *= t.shape[d];
        }
        if (rows > 1 && rowStride < k) {
            return null;
        }
        return new Operand(t, 1, rows, k, false, Math.max(rowStride, k), 0);
    }

    /**
     * {@code t} as {@code batch} matrices over its last two dimensions: read in place when the matrix is row- or
     * column-major and the batch dimensions collapse to one stride, otherwise from a contiguous copy.
     */
    private static Operand operand(Tensor t, int batch) {
        Tensor source = t.transposeSource();
        if (source != null) {
            // Reading the source in place and tracking it directly spares the view its own gradient buffer.
            return operand(source, batch).transposed();
        }
        int rank = t.dim();
        int rows = t.shape[rank - 2];
        int cols = t.shape[rank - 1];
        int rs = t.strides[rank - 2];
        int cs = t.strides[rank - 1];
        Long batchStride = collapsedBatchStride(t);
        if (batchStride != null) {
            if (cs == 1 && (rs >= cols || rows == 1)) {
                return new Operand(t, batch, rows, cols, false, Math.max(rs, cols), batchStride);
            }
            if (rs == 1 && (cs >= rows || cols == 1)) {
                return new Operand(t, batch, rows, cols, true, Math.max(cs, rows), batchStride);
            }
        }
        Tensor c = t.contiguous();
        return new Operand(c, batch, rows, cols, false, cols, (long) rows * cols);
    }

    /** The single stride between consecutive matrices of the batch dimensions, or null when they do not collapse. */
    private static Long collapsedBatchStride(Tensor t) {
        int rank = t.dim();
        long stride = -1;
        long expectedNext = -1;
        for (int d = rank - 3; d >= 0; d--) {
            if (t.shape[d] == 1) {
                continue;
            }
            if (stride < 0) {
                stride = t.strides[d];
            } else if (t.strides[d] != expectedNext) {
                return null;
            }
            expectedNext = (long) t.strides[d] * t.shape[d];
        }
        return stride < 0 ? 0L : stride;
    }

    private static int[] append(int[] batch, int m, int n) {
        int[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return out;
    }
}
