package dev.jlm.tensor.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SgemmTest {

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    /**
     * Compares the blocked SIMD product with the scalar reference. Both sum k products in float; their difference is
     * bounded by ~k·ε·Σ|a||b| ≤ k·2⁻²³·k for entries in [-1, 1], so the tolerance is 4·k·2⁻²³·√k (a loose bound that
     * the summation order cannot reach in expectation, tight enough to catch an index error).
     */
    private static void check(boolean ta, boolean tb, int m, int n, int k, float beta, int pad) {
        SplittableRandom r = new SplittableRandom(m * 31L + n * 7L + k);
        int lda = (ta ? m : k) + pad;
        int ldb = (tb ? k : n) + pad;
        int ldc = n + pad;
        int aOff = 3;
        int bOff = 5;
        int cOff = 2;
        float[] a = random(r, aOff + (ta ? k : m) * lda);
        float[] b = random(r, bOff + (tb ? n : k) * ldb);
        float[] c = random(r, cOff + m * ldc);
        float[] expected = c.clone();
        Sgemm.reference(ta, tb, 0, m, n, k, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        Sgemm.gemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        double tolerance = 4 * k * Math.pow(2, -23) * Math.sqrt(k) + 1e-6;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = cOff + i * ldc + j;
                assertThat((double) c[at]).as("C[%d][%d] of %dx%dx%d ta=%s tb=%s beta=%s", i, j, m, n, k, ta, tb, beta)
                        .isCloseTo(expected[at], org.assertj.core.data.Offset.offset(tolerance));
            }
            // Padding between rows must be untouched.
            for (int j = n; j < ldc && i < m - 1; j++) {
                assertThat(c[cOff + i * ldc + j]).isEqualTo(expected[cOff + i * ldc + j]);
            }
        }
    }

    @Test
    void oddShapesAllTransposesAndBetas() {
        int[] sizes = {1, 7, 17, 33, 129};
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int m : sizes) {
                    for (int n : sizes) {
                        for (int k : new int[] {1, 17, 300}) {
                            check(ta, tb, m, n, k, 0f, 0);
                        }
                    }
                }
                check(ta, tb, 130, 70, 520, 1f, 3);
                check(ta, tb, 9, 1000, 257, 1f, 0);
                check(ta, tb, 1, 1000, 300, 1f, 1);
                check(ta, tb, 1000, 3, 40, 0f, 2);
                // Deeper than one K pass, and wide enough for threads to split the columns.
                check(ta, tb, 45, 300, 2100, 0.5f, 1);
            }
        }
    }

    @Test
    void biasIsAddedToEveryRowOnceAndTheEpilogueRunsOnTheFinalValues() {
        SplittableRandom r = new SplittableRandom(2);
        for (int[] shape : new int[][] {{37, 200, 1500}, {5, 33, 9}, {300, 384, 384}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            float[] a = random(r, m * k);
            float[] b = random(r, n * k);
            float[] bias = random(r, n + 4);
            float[] c = random(r, m * n);
            float[] expected = c.clone();
            Sgemm.reference(false, true, 0, m, n, k, a, 0, k, b, 0, k, 0.5f, expected, 0, n);
            // An epilogue that is not linear (squaring) shows it sees each finished value once, after every K pass.
            Sgemm.gemm(false, true, m, n, k, a, 0, k, b, 0, k, 0.5f, bias, 4, (x, off, len) -> {
                for (int i = off; i < off + len; i++) {
                    x[i] = x[i] * x[i];
                }
            }, c, 0, n);
            double tolerance = 4 * k * Math.pow(2, -23) * Math.sqrt(k) + 1e-6;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double value = expected[i * n + j] + bias[4 + j];
                    assertThat((double) c[i * n + j]).as("C[%d][%d] of %dx%dx%d", i, j, m, n, k)
                            .isCloseTo(value * value, org.assertj.core.data.Offset.offset(tolerance * (2 * Math.abs(value) + 1)));
                }
            }
        }
    }

    @Test
    void prepackedOperandGivesTheSameProducts() {
        SplittableRandom r = new SplittableRandom(3);
        // Deeper than one K pass, a narrow last panel, one row, and rows that are not a multiple of the kernel's.
        for (int[] shape : new int[][] {{37, 200, 1500}, {1, 33, 9}, {300, 384, 384}, {20, 16, 5}}) {
            for (boolean tb : new boolean[] {false, true}) {
                int m = shape[0], n = shape[1], k = shape[2];
                float[] a = random(r, m * k);
                float[] b = random(r, n * k);
                float[] bias = random(r, n);
                float[] perCall = new float[m * n];
                float[] prepacked = new float[m * n];
                Sgemm.gemm(false, tb, m, n, k, a, 0, k, b, 0, tb ? k : n, 0f, bias, 0, null, perCall, 0, n);
                Sgemm.gemm(m, a, 0, k, Sgemm.pack(tb, k, n, b, 0, tb ? k : n), 0f, bias, 0, null, prepacked, 0, n);
                assertThat(prepacked).as("%dx%dx%d tb=%s", m, n, k, tb).containsExactly(perCall);
            }
        }
    }

    @Test
    void batchedWithSharedOperand() {
        SplittableRandom r = new SplittableRandom(1);
        int batch = 5, m = 12, n = 19, k = 23;
        float[] a = random(r, batch * m * k);
        float[] b = random(r, k * n);
        float[] c = new float[batch * m * n];
        Sgemm.batched(batch, false, false, m, n, k, a, 0, (long) m * k, k, b, 0, 0, n, 0f, c, 0, (long) m * n, n);
        for (int i = 0; i < batch; i++) {
            float[] expected = new float[m * n];
            Sgemm.reference(false, false, 0, m, n, k, a, i * m * k, k, b, 0, n, 0f, expected, 0, n);
            for (int j = 0; j < m * n; j++) {
                assertThat(c[i * m * n + j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-4f));
            }
        }
    }
}
