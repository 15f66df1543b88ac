package dev.jlm.tensor.kernels;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.QuantizedWeight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QuantizedGemmTest {
    /** m = 1 takes the GEMV path, m > 1 the blocked one; k and n odd, below, at and past the vector width. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 3}, {1, 33, 17}, {1, 64, 768}, {1, 129, 1001},
            {2, 5, 9}, {3, 31, 47}, {17, 130, 257}, {64, 96, 768}, {5, 3000, 31},
    };

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian());
        }
        return x;
    }

    /**
     * The kernel against a double-precision product with the dequantized weights: both see the same weight values, so
     * only float summation differs, bounded by k·2⁻²⁴·Σ|x||w|; the tolerance is 1e-4·Σ|x||w| (that bound for k ≤ 1600).
     */
    @ParameterizedTest
    @EnumSource(Format.class)
    void matchesTheFloatProductOfTheDequantizedWeights(Format format) {
        for (int[] shape : SHAPES) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            SplittableRandom r = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
            QuantizedWeight w = QuantizedWeight.quantize(Tensor.of(random(r, n * k), n, k), format);
            float[] dense = w.dequantize().toArray();
            int xOff = 3;
            int yOff = 2;
            float[] x = random(r, xOff + m * k);
            float[] y = new float[yOff + m * n];
            QuantizedGemm.multiply(format, m, n, k, x, xOff, w.int8Values(), w.halfBits(), w.scales(), y, yOff);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int p = 0; p < k; p++) {
                        exact += (double) x[xOff + i * k + p] * dense[j * k + p];
                        magnitude += Math.abs((double) x[xOff + i * k + p] * dense[j * k + p]);
                    }
                    assertThat((double) y[yOff + i * n + j]).as("%s m=%d n=%d k=%d at (%d, %d)", format, m, n, k, i, j)
                            .isCloseTo(exact, within(1e-4 * magnitude + 1e-30));
                }
            }
        }
    }

    /** Symmetric int8 rounds to the nearest multiple of the row's scale max|w|/127: error ≤ scale/2 (+ float ulps). */
    @Test
    void int8QuantizationErrorIsAtMostHalfAStepPerRow() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 9;
        int k = 37;
        float[] values = random(r, n * k);
        Arrays.fill(values, 2 * k, 3 * k, 0f);
        QuantizedWeight w = QuantizedWeight.quantize(Tensor.of(values, n, k), Format.INT8);
        float[] dense = w.dequantize().toArray();
        for (int j = 0; j < n; j++) {
            float max = 0;
            for (int p = 0; p < k; p++) {
                max = Math.max(max, Math.abs(values[j * k + p]));
            }
            assertThat(w.scales()[j]).isEqualTo(max / 127f);
            for (int p = 0; p < k; p++) {
                assertThat(Math.abs(dense[j * k + p] - values[j * k + p])).isLessThanOrEqualTo(w.scales()[j] * 0.5f * 1.0001f);
            }
        }
        assertThat(w.bytes()).isEqualTo(n * k + 4L * n);
    }

    /** Round-to-nearest with p significant bits errs by at most the unit roundoff 2⁻ᵖ relative: bf16 p = 8, fp16 p = 11 (normal range). */
    @Test
    void halfFormatsRoundToTheirPrecision() {
        float[] values = random(new SplittableRandom(6), 4 * 50);
        for (int i = 0; i < values.length; i++) {
            values[i] += Math.signum(values[i]) * 0.01f;
        }
        float[] bf16 = QuantizedWeight.quantize(Tensor.of(values, 4, 50), Format.BF16).dequantize().toArray();
        float[] fp16 = QuantizedWeight.quantize(Tensor.of(values, 4, 50), Format.FP16).dequantize().toArray();
        for (int i = 0; i < values.length; i++) {
            assertThat(Math.abs(bf16[i] - values[i])).isLessThanOrEqualTo(Math.abs(values[i]) / 256);
            assertThat(Math.abs(fp16[i] - values[i])).isLessThanOrEqualTo(Math.abs(values[i]) / 2048);
        }
    }

    @Test
    void aQuantizedLinearMatchesItsDequantizedFloatTwinAndRefusesTraining() {
        Linear quantized = new Linear(45, 19, true, new SplittableRandom(7));
        Linear reference = new Linear(45, 19, true, new SplittableRandom(7));
        QuantizedWeight w = QuantizedWeight.quantize(quantized.weight, Format.INT8);
        reference.weight.assign(w.dequantize());
        quantized.useQuantized(w);
        assertThat(quantized.weight).isNull();
        assertThat(quantized.namedParameters()).containsOnlyKeys("bias");
        Tensor x = Tensor.of(random(new SplittableRandom(8), 3 * 4 * 45), 3, 4, 45);
        try (var off = GradMode.off()) {
            float[] got = quantized.forward(x).toArray();
            float[] want = reference.forward(x).toArray();
            assertThat(quantized.forward(x).shape()).containsExactly(3, 4, 19);
            for (int i = 0; i < want.length; i++) {
                assertThat(got[i]).isCloseTo(want[i], within(1e-4f * (1 + Math.abs(want[i]))));
            }
        }
        assertThatThrownBy(() -> quantized.forward(x)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inference only");
    }
}
