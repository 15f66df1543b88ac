package dev.jlm.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AttentionTest {

    /** softmax(q·kᵀ/√d + mask)·v computed naively in double for one head. */
    private static double[] naive(Tensor q, Tensor k, Tensor v, boolean causal, Tensor mask, int b, int h) {
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
                s[j] = dot / Math.sqrt(d) + (mask == null ? 0 : mask.get(b, 0, 0, j));
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
    void matchesNaiveAttentionWithCausalAndPaddingMasks() {
        Tensor q = Tensor.randn(1, 2, 3, 5, 4);
        Tensor k = Tensor.randn(2, 2, 3, 7, 4);
        Tensor v = Tensor.randn(3, 2, 3, 7, 4);
        Tensor mask = Tensor.zeros(2, 1, 1, 7);
        mask.set(-1e9f, 1, 0, 0, 6);
        mask.set(-1e9f, 1, 0, 0, 5);
        for (boolean causal : new boolean[] {false, true}) {
            for (Tensor m : new Tensor[] {null, mask}) {
                Tensor out = Attention.scaledDotProduct(q, k, v, causal, m);
                for (int b = 0; b < 2; b++) {
                    for (int h = 0; h < 3; h++) {
                        double[] expected = naive(q, k, v, causal, m, b, h);
                        for (int i = 0; i < 5; i++) {
                            for (int c = 0; c < 4; c++) {
                                assertThat((double) out.get(b, h, i, c)).isCloseTo(expected[i * 4 + c], within(1e-5));
                            }
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
            return Attention.scaledDotProduct(q, k, v, true, null).transpose(1, 2).reshape(batch, t, c);
        }, Tensor.randn(4, batch, t, 3 * c));
        Tensor mask = Tensor.zeros(2, 1, 1, 4);
        mask.set(-1e9f, 0, 0, 0, 3);
        GradCheck.check("masked attention", x -> Attention.scaledDotProduct(x[0], x[1], x[2], false, mask),
                Tensor.randn(5, 2, 2, 3, 4), Tensor.randn(6, 2, 2, 4, 4), Tensor.randn(7, 2, 2, 4, 4));
        GradCheck.check("cached keys", x -> Attention.scaledDotProduct(x[0], x[1], x[2], true, null),
                Tensor.randn(8, 1, 2, 2, 4), Tensor.randn(9, 1, 2, 5, 4), Tensor.randn(10, 1, 2, 5, 4));
    }
}
