package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class OptimizerTest {

    /** torch.optim.AdamW's documented algorithm in double precision, for one parameter; state lives in m, v, t[0]. */
    private static void referenceAdamW(double[] p, double[] g, double[] m, double[] v, long[] t, double lr,
                                       double b1, double b2, double eps, double wd) {
        t[0]++;
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(b1, t[0]));
            double vHat = v[i] / (1 - Math.pow(b2, t[0]));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    /** Sets {@code p}'s gradient to {@code g} through autograd (the gradient of Σ p·g). */
    private static void setGrad(Tensor p, float[] g) {
        p.zeroGrad();
        p.mul(Tensor.of(g, p.shape())).sum().backward();
    }

    @Test
    void adamWFollowsItsUpdateRuleWithGroupsSchedulesAndSkippedSteps() {
        float b1 = 0.9f;
        float b2 = 0.95f;
        float eps = 1e-8f;
        // Sizes cover a vector tail (37) and several threads' shares (100,003).
        Tensor w = Tensor.randn(1, 100_003).requiresGrad(true);
        Tensor u = Tensor.randn(2, 37).requiresGrad(true);
        Tensor b = Tensor.randn(3, 5).requiresGrad(true);
        Tensor[] params = {w, u, b};
        float[] decay = {0.1f, 0.1f, 0f};
        float[] lrScale = {1f, 1f, 0.5f};
        AdamW opt = new AdamW(List.of(new ParamGroup(List.of("w", "u"), List.of(w, u), 0.1f),
                new ParamGroup(List.of("b"), List.of(b), 0f, 0.5f)), 1e-2f, b1, b2, eps);
        double[][] ref = new double[3][];
        double[][] m = new double[3][];
        double[][] v = new double[3][];
        long[][] t = new long[3][1];
        for (int k = 0; k < 3; k++) {
            ref[k] = toDouble(params[k].toArray());
            m[k] = new double[ref[k].length];
            v[k] = new double[ref[k].length];
        }
        LrSchedule schedule = LrSchedule.warmupCosine(1e-2f, 1e-3f, 2, 6);
        SplittableRandom random = new SplittableRandom(11);
        for (int step = 0; step < 6; step++) {
            float lr = schedule.at(step);
            opt.setLearningRate(lr);
            for (int k = 0; k < 3; k++) {
                params[k].zeroGrad();
                // u has no gradient at step 2: PyTorch skips it and its own step count (bias correction) stays behind.
                if (k == 1 && step == 2) {
                    continue;
                }
                float[] g = Tensor.randn(random, params[k].numel()).toArray();
                setGrad(params[k], g);
                referenceAdamW(ref[k], toDouble(g), m[k], v[k], t[k], (double) lr * lrScale[k], b1, b2, eps, decay[k]);
            }
            opt.step();
        }
        for (int k = 0; k < 3; k++) {
            assertClose(params[k].toArray(), ref[k]);
        }
        assertThat(opt.stepCount()).isEqualTo(6);
        assertThat(opt.state().get("u.step")).containsExactly(5f);
        assertThat(opt.state().get("w.step")).containsExactly(6f);
    }

    @Test
    void adamWStateRoundTripsThroughSafetensorsForExactResume(@TempDir Path dir) throws IOException {
        Tensor a = Tensor.randn(1, 20).requiresGrad(true);
        Tensor c = Tensor.randn(2, 3).requiresGrad(true);
        Tensor a2 = a.copy().requiresGrad(true);
        Tensor c2 = c.copy().requiresGrad(true);
        AdamW first = new AdamW(List.of(new ParamGroup(List.of("a", "c"), List.of(a, c), 0.1f)), 1e-2f, 0.9f, 0.99f, 1e-8f);
        AdamW second = new AdamW(List.of(new ParamGroup(List.of("a", "c"), List.of(a2, c2), 0.1f)), 1e-2f, 0.9f, 0.99f, 1e-8f);
        SplittableRandom random = new SplittableRandom(3);
        for (int step = 0; step < 5; step++) {
            float[] ga = Tensor.randn(random, 20).toArray();
            float[] gc = Tensor.randn(random, 3).toArray();
            setGrad(a, ga);
            if (step != 1) {
                setGrad(c, gc);
            } else {
                c.zeroGrad();
            }
            first.step();
            if (step == 2) {
                System.arraycopy(a.toArray(), 0, a2.data(), 0, 20);
                System.arraycopy(c.toArray(), 0, c2.data(), 0, 3);
                Path file = dir.resolve("optimizer.safetensors");
                SafeTensors.Writer writer = SafeTensors.writer();
                first.state().forEach((name, values) -> writer.add(name, Tensor.of(values.clone(), values.length)));
                writer.write(file);
                Map<String, float[]> saved = new LinkedHashMap<>();
                try (SafeTensors st = SafeTensors.open(file)) {
                    st.tensors().forEach((name, tensor) -> saved.put(name, tensor.toArray()));
                }
                second.loadState(saved);
            }
            if (step > 2) {
                setGrad(a2, ga);
                setGrad(c2, gc);
                second.step();
            }
        }
        assertThat(a2.toArray()).isEqualTo(a.toArray());
        assertThat(c2.toArray()).isEqualTo(c.toArray());
        assertThat(second.stepCount()).isEqualTo(5);
    }

    @Test
    void optimizerStateErrorsNameTheProblem() {
        Tensor a = Tensor.zeros(4).requiresGrad(true);
        AdamW adam = new AdamW(List.of(new ParamGroup(List.of("a"), List.of(a), 0f)), 1e-3f, 0.9f, 0.999f, 1e-8f);
        assertThatThrownBy(() -> adam.loadState(Map.of("a.exp_avg", new float[4]))).hasMessageContaining("no step count");
        assertThatThrownBy(() -> adam.loadState(Map.of("step", new float[] {1}, "b.exp_avg", new float[4])))
                .hasMessageContaining("'b.exp_avg' is for 'b', which this optimizer does not update");
        assertThatThrownBy(() -> adam.loadState(Map.of("step", new float[] {1}, "a.exp_avg", new float[3], "a.exp_avg_sq", new float[4])))
                .hasMessageContaining("'a.exp_avg' has 3 values, its parameter has 4");
        assertThatThrownBy(() -> adam.loadState(Map.of("step", new float[] {1}, "a.exp_avg", new float[4])))
                .hasMessageContaining("only one of exp_avg, exp_avg_sq");
        assertThatThrownBy(() -> adam.loadState(Map.of("step", new float[] {1}, "a.momentum_buffer", new float[4])))
                .hasMessageContaining("not an AdamW state");
        SGD sgd = new SGD(List.of(new ParamGroup(List.of("a"), List.of(a), 0f)), 0.1f, 0.9f, false);
        assertThatThrownBy(() -> sgd.loadState(Map.of("a.momentum_buffer", new float[5]))).hasMessageContaining("has 5 values");
        assertThatThrownBy(() -> new SGD(List.of(new ParamGroup(List.of("a"), List.of(a), 0f),
                new ParamGroup(List.of("a2"), List.of(a), 0f)), 0.1f, 0f, false)).hasMessageContaining("'a2' appears in more than one place");
    }

    @Test
    void sgdWithMomentumNesterovAndWeightDecayMatchesTorchRule() {
        for (boolean nesterov : new boolean[] {false, true}) {
            Tensor w = Tensor.of(new float[] {1f, -2f, 0.5f}, 3).requiresGrad(true);
            SGD opt = new SGD(List.of(new ParamGroup(List.of("w"), List.of(w), 0.01f, 2f)), 0.05f, 0.9f, nesterov);
            double[] p = {1, -2, 0.5};
            double[] buf = new double[3];
            for (int step = 0; step < 4; step++) {
                opt.zeroGrad();
                w.mul(w).sum().backward(); // g = 2w
                int version = w.version();
                opt.step();
                assertThat(w.version()).as("a step is an in-place write").isGreaterThan(version);
                for (int i = 0; i < 3; i++) {
                    double g = 2 * p[i] + 0.01 * p[i];
                    buf[i] = step == 0 ? g : 0.9 * buf[i] + g;
                    p[i] -= 0.1 * (nesterov ? g + 0.9 * buf[i] : buf[i]);
                }
            }
            assertClose(w.toArray(), p);
        }
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true);
        Tensor none = Tensor.zeros(3).requiresGrad(true);
        setGrad(a, new float[] {3f, 0f});
        setGrad(b, new float[] {4f});
        float norm = GradClip.clipGradNorm(List.of(a, b, none), 1f);
        assertThat(norm).isEqualTo(5f);
        assertThat(a.grad().toArray()[0]).isCloseTo(0.6f, within(1e-6f));
        assertThat(b.grad().toArray()[0]).isCloseTo(0.8f, within(1e-6f));
        assertThat(GradClip.clipGradNorm(List.of(a, b), 10f)).isCloseTo(1f, within(1e-6f));
        assertThat(a.grad().toArray()[0]).isCloseTo(0.6f, within(1e-6f));
    }

    @Test
    void clippingNormOfMillionsOfValuesIsAccurate() {
        Tensor big = Tensor.zeros(3_000_001).requiresGrad(true);
        float[] g = Tensor.randn(8, 3_000_001).add(0.5f).toArray();
        setGrad(big, g);
        double sum = 0;
        for (float x : g) {
            sum += (double) x * x;
        }
        double expected = Math.sqrt(sum);
        float norm = GradClip.clipGradNorm(List.of(big), 1f);
        assertThat((double) norm).isCloseTo(expected, within(2e-7 * expected));
        double after = 0;
        for (float x : big.grad().toArray()) {
            after += (double) x * x;
        }
        assertThat(Math.sqrt(after)).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void schedulesAtTheirLandmarks() {
        LrSchedule cosine = LrSchedule.warmupCosine(1e-3f, 1e-4f, 100, 2000);
        assertThat(cosine.at(0)).isEqualTo((float) (1e-3f * 1.0 / 101));
        assertThat(cosine.at(99)).isEqualTo((float) (1e-3f * 100.0 / 101));
        assertThat(cosine.at(100)).isEqualTo(1e-3f);
        assertThat(cosine.at(1050)).isCloseTo(5.5e-4f, within(1e-9f));
        assertThat(cosine.at(575)).isCloseTo((float) (1e-4 + 0.5 * (1 + Math.cos(Math.PI * 0.25)) * 9e-4), within(1e-10f));
        assertThat(cosine.at(2000)).isCloseTo(1e-4f, within(1e-11f));
        assertThat(cosine.at(5000)).isEqualTo(1e-4f);
        LrSchedule linear = LrSchedule.warmupLinear(3e-5f, 10, 110);
        assertThat(linear.at(0)).isZero();
        assertThat(linear.at(5)).isCloseTo(1.5e-5f, within(1e-12f));
        assertThat(linear.at(10)).isEqualTo(3e-5f);
        assertThat(linear.at(60)).isCloseTo(1.5e-5f, within(1e-12f));
        assertThat(linear.at(110)).isZero();
        assertThat(linear.at(500)).isZero();
        assertThat(LrSchedule.constant(0.1f).at(12345)).isEqualTo(0.1f);
    }

    @Test
    void accumulatedMicroBatchesEqualOneStepOnTheirMean() {
        // Least squares on 8 rows: four micro-batches of 2 rows against one batch of 8.
        Tensor x = Tensor.randn(21, 8, 5);
        Tensor y = Tensor.randn(22, 8, 1);
        Tensor w1 = Tensor.randn(23, 5, 1).requiresGrad(true);
        Tensor w2 = w1.copy().requiresGrad(true);
        AdamW whole = new AdamW(List.of(new ParamGroup(List.of("w"), List.of(w1), 0.1f)), 1e-2f, 0.9f, 0.95f, 1e-8f);
        AdamW parts = new AdamW(List.of(new ParamGroup(List.of("w"), List.of(w2), 0.1f)), 1e-2f, 0.9f, 0.95f, 1e-8f);
        GradientAccumulator accumulator = new GradientAccumulator(parts, 4, 0.5f);
        for (int step = 0; step < 3; step++) {
            Tensor residual = x.matmul(w1).sub(y);
            residual.mul(residual).mean().backward();
            GradClip.clipGradNorm(List.of(w1), 0.5f);
            whole.step();
            whole.zeroGrad();
            for (int micro = 0; micro < 4; micro++) {
                Tensor r = x.slice(0, 2 * micro, 2 * micro + 2).matmul(w2).sub(y.slice(0, 2 * micro, 2 * micro + 2));
                boolean stepped = accumulator.backward(r.mul(r).mean());
                assertThat(stepped).isEqualTo(micro == 3);
            }
            assertThat(w2.grad()).isNull();
            assertThat(accumulator.lastGradNorm()).isPositive();
        }
        assertThat(accumulator.steps()).isEqualTo(3);
        float[] expected = w1.toArray();
        float[] actual = w2.toArray();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(1e-6f));
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** Float against double: each step rounds to float, a few ulps of the values over a handful of steps. */
    private static void assertClose(float[] actual, double[] expected) {
        for (int i = 0; i < actual.length; i++) {
            if (Math.abs(actual[i] - expected[i]) > 2e-6 * (1 + Math.abs(expected[i]))) {
                assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6 * (1 + Math.abs(expected[i]))));
            }
        }
    }
}
