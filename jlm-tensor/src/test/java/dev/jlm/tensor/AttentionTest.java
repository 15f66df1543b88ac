package dev.jlm.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AttentionTest {

    /** softmax(q·kᵀ/√d)·v computed naively in double for one head. */
    private static double[] naive(Tensor q, Tensor k, Tensor v, boolean causal, int b, int h) {
        int tq = q.size(2);
        int tk = k.size(2);
        int d = q.size(3);
        double[] out = new double[tq * d];
        for (int i = 0; i < tq; i++) {
            double[] s = new double[tk];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < tk; j++) {
                if (causal && j > i + tk - tq) {
                    s[j] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += q.get(b, h, i, c) * k.get(b, h, j, c);
                }
                s[j] = dot / Math.sqrt(d);
                max = Math.max(max, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < tk; j++) {
                s[j] = Math.exp(s[j] - max);
                sum += s[j];
            }
            for (int j = 0; j < tk; j++) {
                for (int c = 0; c < d; c++) {
                    out[i * d + c] += s[j] / sum * v.get(b, h, j, c);
                }
            }
        }
        return out;
    }

    @Test
    void matchesNaiveAttentionCausalOrNot() {
        Tensor q = Tensor.randn(1, 2, 3, 5, 4);
        Tensor k = Tensor.randn(2, 2, 3, 7, 4);
        Tensor v = Tensor.randn(3, 2, 3, 7, 4);
        for (boolean causal : new boolean[] {false, true}) {
            Tensor out = Attention.scaledDotProduct(q, k, v, causal);
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < 3; h++) {
                    double[] expected = naive(q, k, v, causal, b, h);
                    for (int i = 0; i < 5; i++) {
                        for (int c = 0; c < 4; c++) {
                            assertThat((double) out.get(b, h, i, c)).isCloseTo(expected[i * 4 + c], within(1e-5));
                        }
                    }
                }
            }
        }
    }

    @Test
    void gradientsThroughFusedProjectionViews() {
        // The GPT layout: one [B, T, 3·C] projection split into q, k, v heads by views (no copies).
        int batch = 2, t = 5, heads = 2, d = 3, c = heads * d;
        GradCheck.check("causal attention", x -> {
            Tensor qkv = x[0];
            Tensor q = qkv.slice(2, 0, c).reshape(batch, t, heads, d).transpose(1, 2);
            Tensor k = qkv.slice(2, c, 2 * c).reshape(batch, t, heads, d).transpose(1, 2);
            Tensor v = qkv.slice(2, 2 * c, 3 * c).reshape(batch, t, heads, d).transpose(1, 2);
            return Attention.scaledDotProduct(q, k, v, true).transpose(1, 2).reshape(batch, t, c);
        }, Tensor.randn(4, batch, t, 3 * c));
        GradCheck.check("bidirectional attention", x -> Attention.scaledDotProduct(x[0], x[1], x[2], false),
                Tensor.randn(5, 2, 2, 3, 4), Tensor.randn(6, 2, 2, 4, 4), Tensor.randn(7, 2, 2, 4, 4));
        GradCheck.check("cached keys", x -> Attention.scaledDotProduct(x[0], x[1], x[2], true),
                Tensor.randn(8, 1, 2, 2, 4), Tensor.randn(9, 1, 2, 5, 4), Tensor.randn(10, 1, 2, 5, 4));
    }

    /** With V the identity (so D = Tk), attention returns its (dropped-out) probabilities themselves. */
    private static Tensor probabilities(Tensor q, Tensor k, boolean causal, float dropout, long seed) {
        int tk = k.size(2);
        Tensor identity = Tensor.zeros(k.size(0), k.size(1), tk, tk);
        for (int b = 0; b < k.size(0); b++) {
            for (int h = 0; h < k.size(1); h++) {
                for (int j = 0; j < tk; j++) {
                    identity.set(1f, b, h, j, j);
                }
            }
        }
        return Attention.scaledDotProduct(q, k, identity, causal, dropout, new SplittableRandom(seed));
    }

    @Test
    void dropoutZeroesProbabilitiesAndScalesTheRest() {
        Tensor q = Tensor.randn(11, 2, 3, 24, 24);
        Tensor k = Tensor.randn(12, 2, 3, 24, 24);
        float rate = 0.25f;
        for (boolean causal : new boolean[] {false, true}) {
            float[] plain = probabilities(q, k, causal, 0f, 1).toArray();
            float[] dropped = probabilities(q, k, causal, rate, 1).toArray();
            int zeroed = 0;
            int positive = 0;
            for (int i = 0; i < plain.length; i++) {
                if (plain[i] == 0f) {
                    assertThat(dropped[i]).isZero(); // a masked-out (future) key stays masked out
                    continue;
                }
                positive++;
                if (dropped[i] == 0f) {
                    zeroed++;
                } else {
                    assertThat(dropped[i]).isCloseTo(plain[i] / (1 - rate), within(1e-6f));
                }
            }
            // ≥ 1,000 probabilities, each dropped with probability 0.25: the share is within ±0.05 (> 3.5 σ).
            assertThat(positive).isGreaterThan(1000);
            assertThat((double) zeroed / positive).isCloseTo(rate, within(0.05));
            assertThat(probabilities(q, k, causal, rate, 1).toArray()).as("same generator state, same mask")
                    .containsExactly(dropped);
            assertThat(probabilities(q, k, causal, rate, 2).toArray()).as("another seed, another mask")
                    .isNotEqualTo(dropped);
        }
        Tensor v = Tensor.randn(13, 2, 3, 24, 24);
        assertThat(Attention.scaledDotProduct(q, k, v, false, 0f, new SplittableRandom(1)).toArray())
                .as("no dropout is plain attention").containsExactly(Attention.scaledDotProduct(q, k, v, false).toArray());
    }

    @Test
    void gradientsThroughDroppedOutProbabilitiesWithAFixedMask() {
        // Each evaluation starts a generator from the same seed, so the finite differences see one fixed mask.
        GradCheck.check("bidirectional attention with dropout",
                x -> Attention.scaledDotProduct(x[0], x[1], x[2], false, 0.3f, new SplittableRandom(17)),
                Tensor.randn(5, 2, 2, 3, 4), Tensor.randn(6, 2, 2, 4, 4), Tensor.randn(7, 2, 2, 4, 4));
        GradCheck.check("cached keys with dropout",
                x -> Attention.scaledDotProduct(x[0], x[1], x[2], true, 0.5f, new SplittableRandom(18)),
                Tensor.randn(8, 1, 2, 2, 4), Tensor.randn(9, 1, 2, 5, 4), Tensor.randn(10, 1, 2, 5, 4));
    }

    /** Rows [start, start+len) of packed [N, heads·D] tensors as one sequence's [1, heads, len, D] heads. */
    private static Tensor sequence(Tensor packed, int start, int len, int heads) {
        int d = packed.size(1) / heads;
        return packed.slice(0, start, start + len).reshape(1, len, heads, d).transpose(1, 2);
    }

    @Test
    void packedSequencesAttendEachToItselfAsSeparateBatches() {
        int heads = 3, d = 5, width = heads * d;
        int[] lengths = {4, 0, 9, 1, 6};
        int n = 20;
        // Column slices of one fused [N, 3·width] projection, as a model's q/k/v are.
        Tensor qkv = Tensor.randn(21, n, 3 * width);
        Tensor q = qkv.slice(1, 0, width);
        Tensor k = qkv.slice(1, width, 2 * width);
        Tensor v = qkv.slice(1, 2 * width, 3 * width);
        Tensor packed = Attention.scaledDotProductPacked(q, k, v, heads, lengths, 0f, null);
        assertThat(packed.shape()).containsExactly(n, width);
        int start = 0;
        for (int len : lengths) {
            if (len > 0) {
                float[] alone = Attention.scaledDotProduct(sequence(q, start, len, heads), sequence(k, start, len, heads),
                        sequence(v, start, len, heads), false).transpose(1, 2).reshape(len, width).toArray();
                assertThat(packed.slice(0, start, start + len).toArray()).as("sequence at row %d", start)
                        .containsExactly(alone, within(1e-6f));
            }
            start += len;
        }
        assertThatThrownBy(() -> Attention.scaledDotProductPacked(q, k, v, heads, new int[] {4, 9}, 0f, null))
                .hasMessageContaining("lengths sum to 13, the tensors have 20 rows");
        assertThatThrownBy(() -> Attention.scaledDotProductPacked(q, k, v, 4, lengths, 0f, null))
                .hasMessageContaining("not a multiple of 4 heads");
    }

    @Test
    void gradientsThroughPackedSequences() {
        int heads = 2, d = 3, width = heads * d;
        int[] lengths = {3, 1, 4};
        GradCheck.check("packed attention", x -> Attention.scaledDotProductPacked(x[0].slice(1, 0, width),
                x[0].slice(1, width, 2 * width), x[0].slice(1, 2 * width, 3 * width), heads, lengths, 0f, null),
                Tensor.randn(22, 8, 3 * width));
        GradCheck.check("packed attention with dropout", x -> Attention.scaledDotProductPacked(x[0], x[1], x[2], heads,
                lengths, 0.3f, new SplittableRandom(19)),
                Tensor.randn(23, 8, width), Tensor.randn(24, 8, width), Tensor.randn(25, 8, width));
    }
}
