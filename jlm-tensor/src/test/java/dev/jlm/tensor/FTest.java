package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Activations;
import dev.jlm.tensor.kernels.Rows;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class FTest {
    private static Tensor rand(long seed, int... shape) {
        return Tensor.randn(seed, shape);
    }

    @Test
    void activationValuesMatchKnownFigures() {
        Tensor x = Tensor.of(new float[] {-3f, -1f, 0f, 1f, 2.5f}, 5);
        // x·Φ(x) and the tanh form, evaluated in double with Python's math.erf / math.tanh
        assertThat(F.gelu(x).toArray()).containsExactly(new float[] {-0.0040496941f, -0.15865525f, 0f, 0.84134475f, 2.4844758f},
                within(1e-6f));
        assertThat(F.geluTanh(x).toArray()).containsExactly(new float[] {-0.0036373921f, -0.15880801f, 0f, 0.84119199f, 2.4849157f},
                within(1e-6f));
        // erf reference values from Abramowitz & Stegun table 7.1
        assertThat(Activations.erf(0.5f)).isCloseTo(0.5204998778f, within(3e-7f));
        assertThat(Activations.erf(-1.5f)).isCloseTo(-0.9661051465f, within(3e-7f));
        assertThat(Activations.erf(3f)).isCloseTo(0.9999779095f, within(3e-7f));
        // The rational approximation's stated bound, across its clamp at ±4.
        for (int i = -6000; i <= 6000; i++) {
            float v = i * 1e-3f;
            assertThat((double) Activations.erf(v)).as("erf(%s)", v).isCloseTo(erf(v), within(4.5e-7));
        }
    }

    @Test
    void simdKernelsAgreeWithScalarDefinitionsOnOddLengths() {
        for (int n : new int[] {1, 7, 17, 129, 1000}) {
            float[] x = rand(n, n).mul(3f).toArray();
            float[] gelu = new float[n];
            float[] tanh = new float[n];
            Activations.gelu(x, 0, gelu, 0, n);
            Activations.geluTanh(x, 0, tanh, 0, n);
            float[] soft = new float[n];
            Rows.softmax(x, 0, soft, 0, n);
            double max = java.util.Arrays.stream(toDouble(x)).max().orElseThrow();
            double sum = java.util.Arrays.stream(toDouble(x)).map(v -> Math.exp(v - max)).sum();
            for (int i = 0; i < n; i++) {
                double v = x[i];
                assertThat(gelu[i]).as("gelu n=%d i=%d", n, i).isCloseTo((float) (0.5 * v * (1 + erf(v / Math.sqrt(2)))), within(2e-6f * (1 + Math.abs(x[i]))));
                assertThat(tanh[i]).isCloseTo((float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))),
                        within(2e-6f * (1 + Math.abs(x[i]))));
                assertThat(soft[i]).isCloseTo((float) (Math.exp(v - max) / sum), within(1e-6f));
            }
            assertThat(Rows.logSumExp(x, 0, n)).isCloseTo((float) (max + Math.log(sum)), within(1e-4f));
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** erf in double by its Taylor series (converges fast for |x| ≤ 6 with enough terms) — the test's own reference. */
    private static double erf(double x) {
        if (Math.abs(x) > 5) {
            return Math.signum(x);
        }
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void gradientsOfActivations() {
        GradCheck.check("gelu", x -> F.gelu(x[0]), rand(1, 3, 17));
        GradCheck.check("geluTanh", x -> F.geluTanh(x[0]), rand(2, 3, 17));
        GradCheck.check("relu", x -> F.relu(x[0]), Tensor.of(new float[] {-1f, 0.5f, 2f, -0.3f}, 4));
        GradCheck.check("tanh", x -> F.tanh(x[0]), rand(3, 5));
        GradCheck.check("sigmoid", x -> F.sigmoid(x[0]), rand(4, 5));
        GradCheck.check("exp", x -> F.exp(x[0]), rand(5, 5));
        GradCheck.check("log", x -> F.log(F.exp(x[0]).add(1f)), rand(6, 5));
        GradCheck.check("sqrt", x -> F.sqrt(x[0].mul(x[0]).add(1f)), rand(7, 5));
    }

    @Test
    void linearIsMatmulWithTheTransposedWeightPlusBias() {
        Tensor x = rand(1, 2, 5, 37);
        Tensor w = rand(2, 70, 37);
        Tensor b = rand(3, 70);
        float[] expected = x.matmul(w.transpose(0, 1)).add(b).toArray();
        assertThat(F.linear(x, w, b).shape()).containsExactly(2, 5, 70);
        assertThat(F.linear(x, w, b).toArray()).containsExactly(expected, within(1e-5f));
        assertThat(F.linear(x, w, null).toArray()).containsExactly(x.matmul(w.transpose(0, 1)).toArray(), within(1e-5f));
        // Rows read in place from a strided view (every other column block of a wider tensor).
        Tensor wide = rand(4, 6, 80);
        float[] viewExpected = wide.slice(1, 3, 40).contiguous().matmul(w.transpose(0, 1)).add(b).toArray();
        assertThat(F.linear(wide.slice(1, 3, 40), w, b).toArray()).containsExactly(viewExpected, within(1e-5f));
        assertThatThrownBy(() -> F.linear(x, rand(5, 70, 36), b)).hasMessageContaining("do not align");
    }

    @Test
    void activationFusedIntoLinearMatchesTheSeparateOp() {
        Tensor x = rand(1, 3, 7, 45);
        Tensor w = rand(2, 100, 45);
        Tensor b = rand(3, 100);
        for (F.Activation activation : F.Activation.values()) {
            float[] separate = activation.apply(F.linear(x, w, b)).toArray();
            try (var off = GradMode.off()) {
                assertThat(F.linear(x, w, b, activation).toArray()).as("%s", activation).containsExactly(separate, within(1e-6f));
            }
        }
        assertThat(F.Activation.named("gelu_new")).isEqualTo(F.Activation.GELU_TANH);
        assertThatThrownBy(() -> F.Activation.named("swish")).hasMessageContaining("'swish' is not supported");
    }

    @Test
    void gradientsOfLinear() {
        GradCheck.check("linear gelu", x -> F.linear(x[0], x[1], x[2], F.Activation.GELU), rand(12, 2, 3, 5), rand(13, 4, 5),
                rand(14, 4));
        GradCheck.check("linear", x -> F.linear(x[0], x[1], x[2]), rand(1, 2, 3, 5), rand(2, 4, 5), rand(3, 4));
        GradCheck.check("linear no bias", x -> F.linear(x[0], x[1], null), rand(4, 3, 5), rand(5, 4, 5));
        GradCheck.check("linear of a view", x -> F.linear(x[0].slice(1, 1, 6), x[1], x[2]), rand(6, 3, 9), rand(7, 4, 5),
                rand(8, 4));
        GradCheck.check("linear of a vector", x -> F.linear(x[0], x[1], x[2]), rand(9, 5), rand(10, 4, 5), rand(11, 4));
    }

    @Test
    void residualLayerNormIsTheNormOfTheSum() {
        Tensor x = rand(40, 3, 5, 37);
        Tensor residual = rand(41, 3, 5, 37);
        Tensor w = rand(42, 37);
        Tensor b = rand(43, 37);
        float[] twoOps = F.layerNorm(x.add(residual), w, b, 1e-5f).toArray();
        try (var off = GradMode.off()) {
            assertThat(F.layerNorm(x, residual, w, b, 1e-5f).toArray()).containsExactly(twoOps, within(1e-6f));
            assertThat(F.layerNorm(x, residual, null, null, 1e-5f).toArray())
                    .containsExactly(F.layerNorm(x.add(residual), null, null, 1e-5f).toArray(), within(1e-6f));
        }
        GradCheck.check("residual layerNorm", t -> F.layerNorm(t[0], t[1], t[2], t[3], 1e-5f), rand(44, 2, 9), rand(45, 2, 9),
                rand(46, 9), rand(47, 9));
    }

    @Test
    void gradientsOfNormalizations() {
        GradCheck.check("softmax last", x -> F.softmax(x[0], -1), rand(1, 3, 19));
        GradCheck.check("softmax dim 0", x -> F.softmax(x[0], 0), rand(2, 4, 3));
        GradCheck.check("logSoftmax", x -> F.logSoftmax(x[0], -1), rand(3, 2, 3, 7));
        GradCheck.check("logSoftmax dim 1", x -> F.logSoftmax(x[0], 1), rand(4, 2, 3, 5));
        GradCheck.check("layerNorm affine", x -> F.layerNorm(x[0], x[1], x[2], 1e-5f), rand(5, 2, 3, 17), rand(6, 17), rand(7, 17));
        GradCheck.check("layerNorm plain", x -> F.layerNorm(x[0], null, null, 1e-5f), rand(8, 4, 9));
        GradCheck.check("layerNorm weight only", x -> F.layerNorm(x[0], x[1], null, 1e-5f), rand(9, 4, 9), rand(10, 9));
    }

    @Test
    void layerNormNormalizes() {
        Tensor y = F.layerNorm(rand(1, 3, 64).mul(5f).add(2f), null, null, 1e-5f);
        assertThat(y.mean(-1, false).toArray()).containsOnly(new float[] {0f, 0f, 0f}, within(1e-5f));
    }

    @Test
    void crossEntropyMatchesDefinitionAndGradients() {
        Tensor logits = rand(1, 4, 6);
        int[] targets = {2, -100, 5, 0};
        float loss = F.crossEntropy(logits, targets, -100).item();
        Tensor logp = F.logSoftmax(logits, -1);
        float expected = -(logp.get(0, 2) + logp.get(2, 5) + logp.get(3, 0)) / 3;
        assertThat(loss).isCloseTo(expected, within(1e-6f));
        GradCheck.check("crossEntropy", x -> F.crossEntropy(x[0], targets, -100), rand(2, 4, 6));
        GradCheck.check("crossEntropy 3d", x -> F.crossEntropy(x[0], new int[] {1, 2, 0, 3, 3, 1}, -1), rand(3, 2, 3, 4));
        assertThatThrownBy(() -> F.crossEntropy(logits, new int[] {1, 2, 9, 0}, -100)).hasMessageContaining("target 9");
    }

    @Test
    void binaryCrossEntropyIsStableAndDifferentiable() {
        Tensor logits = Tensor.of(new float[] {100f, -100f, 0f}, 3);
        Tensor targets = Tensor.of(new float[] {1f, 0f, 1f}, 3);
        assertThat(F.binaryCrossEntropyWithLogits(logits, targets).item()).isCloseTo((float) (Math.log(2) / 3), within(1e-6f));
        Tensor y = Tensor.of(new float[] {1, 0, 0, 1, 1, 0}, 2, 3);
        GradCheck.check("bce", x -> F.binaryCrossEntropyWithLogits(x[0], y), rand(4, 2, 3));
    }

    @Test
    void embeddingGathersAndScattersRepeatedIds() {
        Tensor w = rand(1, 5, 3);
        Tensor e = F.embedding(w, new int[] {4, 0}, 2);
        assertThat(e.get(0, 1)).isEqualTo(w.get(4, 1));
        GradCheck.check("embedding", x -> F.embedding(x[0], new int[] {1, 3, 1, 1, 0, 4}, 2, 3), rand(2, 5, 3));
        assertThatThrownBy(() -> F.embedding(w, new int[] {5}, 1)).hasMessageContaining("token id 5");
    }

    @Test
    void maxArgmaxConcatSplitAndMasks() {
        Tensor x = Tensor.of(new float[] {1, 5, 3, 7, 2, 0}, 2, 3);
        assertThat(F.argmax(x, 1)).containsExactly(1, 0);
        assertThat(F.argmax(x, 0)).containsExactly(1, 0, 0);
        assertThat(F.max(x, 1, false).toArray()).containsExactly(5, 7);
        GradCheck.check("max", t -> F.max(t[0], 0, true), rand(1, 3, 4));
        GradCheck.check("concat", t -> F.concat(List.of(t[0], t[1]), 1), rand(2, 2, 3), rand(3, 2, 2));
        GradCheck.check("split", t -> F.split(t[0], new int[] {1, 3}, 1).get(1).mul(2f), rand(4, 2, 4));
        Tensor mask = F.causalMask(3);
        assertThat(mask.get(0, 1)).isEqualTo(F.MASKED);
        assertThat(mask.get(2, 1)).isZero();
        Tensor filled = F.maskedFill(x, Tensor.of(new float[] {1, 0, 0}, 3), -1f);
        assertThat(filled.toArray()).containsExactly(-1, 5, 3, -1, 2, 0);
        GradCheck.check("maskedFill", t -> F.maskedFill(t[0], Tensor.of(new float[] {0, 1}, 2, 1), 0f), rand(5, 2, 3));
        assertThat(F.paddingMask(new int[] {1, 1, 0, 1}, 2, 2).get(1, 0, 0, 0)).isEqualTo(F.MASKED);
    }

    @Test
    void dropoutKeepsExpectationAndIsIdentityInEval() {
        Tensor x = Tensor.ones(10000);
        Tensor y = F.dropout(x, 0.3f, true, new SplittableRandom(1));
        assertThat(y.mean().item()).isCloseTo(1f, within(0.05f));
        assertThat(F.dropout(x, 0.3f, false, new SplittableRandom(1))).isSameAs(x);
        GradCheck.check("dropout", t -> F.dropout(t[0], 0.5f, true, new SplittableRandom(7)), rand(2, 20));
    }

    @Test
    void steadyStateMlpStepAllocatesNothingNew() {
        Tensor w1 = rand(1, 32, 64).mul(0.1f).requiresGrad(true);
        Tensor w2 = rand(2, 64, 10).mul(0.1f).requiresGrad(true);
        Tensor gamma = Tensor.ones(64).requiresGrad(true);
        Tensor x = rand(3, 16, 32);
        int[] targets = new int[16];
        for (int step = 0; step < 3; step++) {
            long before = Memory.freshScopedBytes();
            try (var scope = Memory.scope()) {
                Tensor h = F.gelu(F.layerNorm(x.matmul(w1), gamma, null, 1e-5f));
                F.crossEntropy(h.matmul(w2), targets, -100).backward();
            }
            if (step > 0) {
                assertThat(Memory.freshScopedBytes() - before).isZero();
            }
        }
    }
}
