package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Elementwise;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.Rows;
import dev.jlm.tensor.kernels.Sgemm;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Scaled dot-product attention, {@code dropout(softmax(Q·Kᵀ/√d))·V}, one head at a time: the score matrix of a head
 * lives only in a per-thread scratch buffer and is recomputed in backward, so nothing of size [B, H, Tq, Tk] is kept.
 * Dropout on the probabilities keeps nothing either: each head's mask is drawn from its own seed, so backward draws it
 * again. Two layouts: a padded batch [B, H, T, D], and sequences packed end to end with no padding ([N, H·D] rows).
 */
public final class Attention {
    /** Lanes of a vector: score rows are padded to whole vectors. */
    private static final int LANES = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private Attention() {
    }

    /**
     * @param q      queries [B, H, Tq, D] (any layout whose rows are contiguous, e.g. a transposed view of a fused
     *               projection)
     * @param k      keys [B, H, Tk, D]
     * @param v      values [B, H, Tk, D]
     * @param causal when true, query i sees keys j ≤ i + (Tk − Tq): the usual causal mask, also right for a query
     *               block appended after cached keys
     * @return the attended values [B, H, Tq, D], stored as [B, Tq, H, D] so that {@code transpose(1, 2)} is
     *         contiguous
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, boolean causal) {
        return scaledDotProduct(q, k, v, causal, 0f, null);
    }

    /**
     * {@link #scaledDotProduct(Tensor, Tensor, Tensor, boolean)} with inverted dropout on the attention probabilities
     * (after the softmax, before they weight V), as PyTorch's {@code scaled_dot_product_attention(dropout_p=…)}: each
     * probability is zeroed with probability {@code dropout} and the rest are scaled by 1/(1−dropout). A {@code dropout}
     * of 0 is plain attention; callers pass 0 outside training. The masks are a function of {@code random}'s state
     * alone, whatever the thread count.
     */
    public static Tensor scaledDotProduct(Tensor q, Tensor k, Tensor v, boolean causal, float dropout,
                                          SplittableRandom random) {
        if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
            throw new IllegalArgumentException("attention needs [B, H, T, D] tensors, got " + Arrays.toString(q.shape)
                    + ", " + Arrays.toString(k.shape) + ", " + Arrays.toString(v.shape));
        }
        checkDropout(dropout, random);
        Heads qh = Heads.of(q);
        Heads kh = Heads.of(k);
        Heads vh = Heads.of(v);
        int batch = q.shape[0];
        int heads = q.shape[1];
        int tq = q.shape[2];
        int tk = k.shape[2];
        int d = q.shape[3];
        if (!Arrays.equals(k.shape, v.shape) || k.shape[0] != batch || k.shape[1] != heads || k.shape[3] != d) {
            throw new IllegalArgumentException("attention shapes q " + Arrays.toString(q.shape) + ", k "
                    + Arrays.toString(k.shape) + ", v " + Arrays.toString(v.shape) + " do not agree");
        }
        // Output stored [B, Tq, H, D]: head (b, h) row i at b·Tq·H·D + i·H·D + h·D.
        Tensor storage = Tensor.output(false, batch, tq, heads, d);
        Heads oh = new Heads(storage, tq * heads * d, d, heads * d, 0, null);
        Tensor out = new Tensor(storage.data, 0, new int[] {batch, heads, tq, d},
                new int[] {tq * heads * d, d, heads * d, 1});
        Sequences seqs = new Sequences(batch, tq, tk, null);
        return attend(qh, kh, vh, oh, out, seqs, heads, d, causal, dropout, random);
    }

    /**
     * Attention over sequences packed end to end with no padding (the layout of flash-attention's varlen kernels):
     * row r of {@code q}, {@code k} and {@code v} ([N, heads·D], rows contiguous, any row stride — e.g. column
     * slices of one fused projection) belongs to the sequence whose rows it falls in, and each sequence attends to
     * its own keys alone. Every (sequence, head) pair runs in one parallel loop, split by cost.
     *
     * @param lengths the sequences' lengths, summing to N (zeros allowed)
     * @return the attended values [N, heads·D], heads side by side as a projection lays them out
     */
    public static Tensor scaledDotProductPacked(Tensor q, Tensor k, Tensor v, int heads, int[] lengths, float dropout,
                                                SplittableRandom random) {
        if (q.dim() != 2 || !Arrays.equals(q.shape, k.shape) || !Arrays.equals(q.shape, v.shape)) {
            throw new IllegalArgumentException("packed attention needs q, k, v of one [N, heads·D] shape, got "
                    + Arrays.toString(q.shape) + ", " + Arrays.toString(k.shape) + ", " + Arrays.toString(v.shape));
        }
        int n = q.shape[0];
        int width = q.shape[1];
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("packed attention: width " + width + " is not a multiple of " + heads
                    + " heads");
        }
        int[] starts = new int[lengths.length];
        int total = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0) {
                throw new IllegalArgumentException("packed attention: sequence " + i + " has length " + lengths[i]);
            }
            starts[i] = total;
            total += lengths[i];
        }
        if (total != n) {
            throw new IllegalArgumentException("packed attention: lengths sum to " + total + ", the tensors have " + n
                    + " rows");
        }
        checkDropout(dropout, random);
        int d = width / heads;
        Tensor out = Tensor.output(false, n, width);
        return attend(Heads.packed(q, d, starts), Heads.packed(k, d, starts), Heads.packed(v, d, starts),
                new Heads(out, 0, d, width, 0, starts), out, new Sequences(lengths.length, 0, 0, lengths), heads, d,
                false, dropout, random);
    }

    private static void checkDropout(float dropout, SplittableRandom random) {
        if (dropout < 0f || dropout >= 1f) {
            throw new IllegalArgumentException("attention dropout probability must be in [0, 1), got " + dropout);
        }
        if (dropout > 0f && random == null) {
            throw new IllegalArgumentException("attention dropout needs a random generator");
        }
    }

    /** Forward over every (sequence, head) pair into {@code oh}, the view of which is {@code out}; records backward. */
    private static Tensor attend(Heads qh, Heads kh, Heads vh, Heads oh, Tensor out, Sequences seqs, int heads, int d,
                                 boolean causal, float dropout, SplittableRandom random) {
        Dropout drop = dropout == 0f ? null : Dropout.draw(dropout, random, seqs.count * heads);
        float scale = (float) (1.0 / Math.sqrt(d));
        seqs.forEachHead(heads, 4L * d, (b, h, bh) -> {
            int tq = seqs.queries(b);
            int tk = seqs.keys(b);
            int ld = rowStride(tk);
            float[] p = probabilities(qh, kh, b, h, tq, tk, d, scale, causal);
            if (drop != null) {
                keep(p, ld, drop.mask(bh, tq * tk), tq, tk, p);
            }
            Sgemm.gemm(false, false, tq, d, tk, p, 0, ld, vh.data(), vh.at(b, h), vh.rowStride,
                    0f, oh.data(), oh.at(b, h), oh.rowStride);
        });
        return out.track("attention", g -> backward(g, qh, kh, vh, drop, seqs, heads, d, scale, causal),
                qh.t, kh.t, vh.t);
    }

    /**
     * Score rows are {@link #rowStride} apart: Tk rounded up to whole vectors, the padding at −∞ before the softmax
     * (so it runs on whole vectors and the padding comes out 0) and never read by the products, which see Tk columns.
     */
    private static int rowStride(int tk) {
        return (tk + LANES - 1) / LANES * LANES;
    }

    /** The attention probabilities of head (b, h), in the calling thread's scratch: Tq rows {@link #rowStride} apart. */
    private static float[] probabilities(Heads q, Heads k, int b, int h, int tq, int tk, int d, float scale,
                                         boolean causal) {
        int ld = rowStride(tk);
        float[] s = scratch(0, tq * ld);
        Sgemm.gemm(false, true, tq, tk, d, q.data(), q.at(b, h), q.rowStride, k.data(), k.at(b, h), k.rowStride,
                0f, s, 0, ld);
        int shift = tk - tq;
        for (int i = 0; i < tq; i++) {
            int visible = causal ? Math.min(tk, Math.max(0, i + shift + 1)) : tk;
            Arrays.fill(s, i * ld + visible, (i + 1) * ld, Float.NEGATIVE_INFINITY);
        }
        Rows.scaledSoftmaxRows(s, 0, ld, tq, scale, ld);
        for (int i = 0; causal && i < tq && i + shift + 1 <= 0; i++) {
            // A query that sees no key (only when Tq > Tk) attends to nothing.
            Arrays.fill(s, i * ld, (i + 1) * ld, 0f);
        }
        return s;
    }

    /** out = x ∘ mask for x's Tq×Tk values (rows ld apart, as out's) and a dense Tq×Tk dropout mask. */
    private static void keep(float[] x, int ld, float[] mask, int tq, int tk, float[] out) {
        for (int i = 0; i < tq; i++) {
            Elementwise.binary(Elementwise.Op.MUL, x, i * ld, 1, mask, i * tk, 1, out, i * ld, tk);
        }
    }

    /**
     * With O = (P∘M)·V for probabilities P and scaled keep mask M (all ones without dropout): dV = (P∘M)ᵀ·dO,
     * dP = (dO·Vᵀ)∘M, and through the softmax dS = P∘(dP − rowsum(P∘dP))·scale.
     */
    private static void backward(Tensor g, Heads q, Heads k, Heads v, Dropout drop, Sequences seqs, int heads, int d,
                                 float scale, boolean causal) {
        // Gradients arrive in the output's shape, contiguous, as do the input gradient buffers.
        Heads go = q.sameLayoutOver(g);
        Heads gq = q.t.requiresGrad() ? q.sameLayoutOver(q.t.gradBuffer()) : null;
        Heads gk = k.t.requiresGrad() ? k.sameLayoutOver(k.t.gradBuffer()) : null;
        Heads gv = v.t.requiresGrad() ? v.sameLayoutOver(v.t.gradBuffer()) : null;
        seqs.forEachHead(heads, 8L * d, (b, h, bh) -> {
            int tq = seqs.queries(b);
            int tk = seqs.keys(b);
            int ld = rowStride(tk);
            float[] p = probabilities(q, k, b, h, tq, tk, d, scale, causal);
            float[] mask = drop == null ? null : drop.mask(bh, tq * tk);
            float[] dp = scratch(1, tq * ld);
            if (gv != null) {
                float[] attended = p;
                if (mask != null) {
                    keep(p, ld, mask, tq, tk, dp);
                    attended = dp;
                }
                Sgemm.gemm(true, false, tk, d, tq, attended, 0, ld, go.data(), go.at(b, h), go.rowStride,
                        1f, gv.data(), gv.at(b, h), gv.rowStride);
            }
            if (gq == null && gk == null) {
                return;
            }
            Sgemm.gemm(false, true, tq, tk, d, go.data(), go.at(b, h), go.rowStride, v.data(), v.at(b, h),
                    v.rowStride, 0f, dp, 0, ld);
            if (mask != null) {
                keep(dp, ld, mask, tq, tk, dp);
            }
            for (int i = 0; i < tq; i++) {
                Rows.softmaxGradient(p, i * ld, dp, i * ld, scale, tk);
            }
            if (gq != null) {
                Sgemm.gemm(false, false, tq, d, tk, dp, 0, ld, k.data(), k.at(b, h), k.rowStride,
                        1f, gq.data(), gq.at(b, h), gq.rowStride);
            }
            if (gk != null) {
                Sgemm.gemm(true, false, tk, d, tq, dp, 0, ld, q.data(), q.at(b, h), q.rowStride,
                        1f, gk.data(), gk.at(b, h), gk.rowStride);
            }
        });
    }

    private static float[] scratch(int which, int size) {
        float[][] buffers = SCRATCH.get();
        if (buffers[which].length < size) {
            buffers[which] = new float[size];
        }
        return buffers[which];
    }

    /**
     * Where head (b, h)'s [T × D] matrix lives: rows {@code rowStride} apart, last dimension contiguous; sequence b
     * starts {@code batchStride} after the previous one, or, for packed sequences, at row {@code rowStarts[b]}.
     */
    private record Heads(Tensor t, int batchStride, int headStride, int rowStride, int base, int[] rowStarts) {
        static Heads of(Tensor x) {
            if (x.strides[3] != 1 && x.shape[3] != 1) {
                x = x.contiguous();
            }
            return new Heads(x, x.strides[0], x.strides[1], x.strides[2], x.offset, null);
        }

        /** Heads of D columns each in a [N, heads·D] tensor of packed sequences starting at the given rows. */
        static Heads packed(Tensor x, int d, int[] rowStarts) {
            if (x.strides[1] != 1 && x.shape[1] != 1) {
                x = x.contiguous();
            }
            return new Heads(x, 0, d, x.strides[0], x.offset, rowStarts);
        }

        /** The same heads in a contiguous tensor of this one's shape (a gradient). */
        Heads sameLayoutOver(Tensor grad) {
            int[] s = grad.strides;
            return rowStarts == null ? new Heads(grad, s[0], s[1], s[2], grad.offset, null)
                    : new Heads(grad, 0, headStride, s[0], grad.offset, rowStarts);
        }

        float[] data() {
            return t.data;
        }

        int at(int b, int h) {
            return base + (rowStarts == null ? b * batchStride : rowStarts[b] * rowStride) + h * headStride;
        }
    }

    /** The query and key lengths of each sequence: the same for all in a padded batch, each its own when packed. */
    private record Sequences(int count, int tq, int tk, int[] lengths) {
        int queries(int b) {
            return lengths == null ? tq : lengths[b];
        }

        int keys(int b) {
            return lengths == null ? tk : lengths[b];
        }

        /** A step over head h of sequence b, whose pair index is {@code bh = b·heads + h}. */
        interface HeadBody {
            void run(int b, int h, int bh);
        }

        /**
         * Runs {@code body} over every (sequence, head) pair, in contiguous runs of pairs whose costs (Tq·Tk·D times
         * {@code costPerScore}) are about equal — a few per thread, or inline when the whole is too small to share.
         */
        void forEachHead(int heads, long costPerScore, HeadBody body) {
            int pairs = count * heads;
            long[] prefix = new long[pairs + 1];
            for (int bh = 0; bh < pairs; bh++) {
                int b = bh / heads;
                prefix[bh + 1] = prefix[bh] + (long) queries(b) * keys(b) * costPerScore;
            }
            long total = prefix[pairs];
            int runs = (int) Math.max(1, Math.min(Math.min((long) Parallel.THREADS * Parallel.PARTS_PER_THREAD, pairs),
                    total / 32_768));
            Parallel.forChunks(runs, runs, (first, last) -> {
                for (int run = first; run < last; run++) {
                    int from = firstPairFrom(prefix, total * run / runs);
                    int to = run + 1 == runs ? pairs : firstPairFrom(prefix, total * (run + 1) / runs);
                    for (int bh = from; bh < to; bh++) {
                        body.run(bh / heads, bh % heads, bh);
                    }
                }
            });
        }

        /** The first pair whose cumulative cost before it reaches {@code cost} (binary search in the prefix sums). */
        private static int firstPairFrom(long[] prefix, long cost) {
            int lo = 0;
            int hi = prefix.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (prefix[mid] < cost) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }

    /** Dropout on the probabilities: one seed per head, drawn in order, from which forward and backward draw its mask. */
    private record Dropout(float p, long[] seeds) {
        static Dropout draw(float p, SplittableRandom random, int heads) {
            long[] seeds = new long[heads];
            for (int i = 0; i < heads; i++) {
                seeds[i] = random.nextLong();
            }
            return new Dropout(p, seeds);
        }

        /** Head {@code bh}'s scaled keep mask [Tq × Tk], in the calling thread's scratch. */
        float[] mask(int bh, int n) {
            float[] mask = scratch(2, n);
            Elementwise.dropoutMask(new SplittableRandom(seeds[bh]), p, mask, 0, n);
            return mask;
        }
    }
}
