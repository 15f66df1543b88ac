package dev.jlm.tensor.nn;

import dev.jlm.tensor.GradCheck;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.optim.Optimizer;
import dev.jlm.tensor.optim.ParamGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ModuleTest {
    static final class Block extends Module {
        final Linear fc;
        final LayerNorm ln;
        final Dropout drop;

        Block(SplittableRandom random) {
            fc = child("fc", new Linear(4, 3, true, random));
            ln = child("ln", new LayerNorm(3, 1e-5f, true));
            drop = child("drop", new Dropout(0.5f, random));
        }

        Tensor forward(Tensor x) {
            return drop.forward(ln.forward(fc.forward(x)));
        }
    }

    static final class Net extends Module {
        final Embedding wte;
        final List<Block> h;
        final Linear head;

        Net(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            wte = child("wte", new Embedding(10, 4, 0.02f, random));
            h = children("h", List.of(new Block(random), new Block(random)));
            head = child("head", new Linear(3, 10, false, 0.02f, random));
        }

        Tensor forward(int[] ids) {
            Tensor x = wte.forward(ids, ids.length);
            return head.forward(h.get(1).forward(h.get(0).fc.forward(x).matmul(Tensor.ones(3, 4))));
        }
    }

    @Test
    void parametersHaveDottedNamesInRegistrationOrder() {
        Net net = new Net(0);
        assertThat(net.namedParameters().keySet()).containsExactly("wte.weight", "h.0.fc.weight", "h.0.fc.bias",
                "h.0.ln.weight", "h.0.ln.bias", "h.1.fc.weight", "h.1.fc.bias", "h.1.ln.weight", "h.1.ln.bias", "head.weight");
        assertThat(net.parameterCount()).isEqualTo(40 + 2 * (12 + 3 + 3 + 3) + 30);
        assertThat(net.parameters()).hasSize(10).first().isSameAs(net.wte.weight);
        assertThat(net.h.get(0).fc.weight.shape()).containsExactly(3, 4);
        assertThat(net.head.bias).isNull();
    }

    @Test
    void tiedTensorsAppearOnceUnderTheirFirstName() {
        final class Tied extends Module {
            final Embedding wte = child("wte", new Embedding(5, 2, 1f, new SplittableRandom(1)));
            final Module lmHead = child("lm_head", new Module() {
                {
                    parameter("weight", wte.weight);
                }
            });
        }
        Tied tied = new Tied();
        assertThat(tied.namedParameters().keySet()).containsExactly("wte.weight");
        assertThat(tied.parameterCount()).isEqualTo(10);
    }

    @Test
    void registrationNamesMustBeFreshAndUndotted() {
        final class Bad extends Module {
            void register(String name) {
                parameter(name, Tensor.zeros(1));
            }
        }
        Bad bad = new Bad();
        bad.register("w");
        assertThatThrownBy(() -> bad.register("w")).hasMessage("Bad: 'w' is registered twice");
        assertThatThrownBy(() -> bad.register("a.b")).hasMessage("Bad: 'a.b' cannot name a parameter or module");
        assertThatThrownBy(() -> bad.register("")).hasMessageContaining("cannot name");
    }

    @Test
    void trainAndEvalReachEveryDropout() {
        Net net = new Net(0);
        Tensor ones = Tensor.ones(1000);
        Dropout drop = net.h.get(1).drop;
        net.eval();
        assertThat(drop.isTraining()).isFalse();
        assertThat(drop.forward(ones).toArray()).containsOnly(1f);
        net.train();
        assertThat(net.h.get(0).drop.isTraining()).isTrue();
        float[] dropped = drop.forward(ones).toArray();
        int zeros = 0;
        for (float v : dropped) {
            assertThat(v).isIn(0f, 2f);
            zeros += v == 0f ? 1 : 0;
        }
        assertThat(zeros).isBetween(400, 600);
    }

    @Test
    void attentionDropoutActsOnlyInTrainingAndFollowsReseeding() {
        Dropout drop = new Dropout(0.5f, new SplittableRandom(3));
        Tensor q = Tensor.randn(1, 1, 2, 6, 4);
        Tensor k = Tensor.randn(2, 1, 2, 6, 4);
        Tensor v = Tensor.randn(3, 1, 2, 6, 4);
        float[] plain = dev.jlm.tensor.Attention.scaledDotProduct(q, k, v, true).toArray();
        drop.eval();
        assertThat(drop.attention(q, k, v, true).toArray()).containsExactly(plain);
        drop.train();
        drop.reseed(9);
        float[] first = drop.attention(q, k, v, true).toArray();
        assertThat(first).isNotEqualTo(plain);
        drop.reseed(9);
        assertThat(drop.attention(q, k, v, true).toArray()).containsExactly(first);
    }

    @Test
    void frozenModulesGetNoGradientsAndLeaveTheOptimizer() {
        Net net = new Net(0);
        net.h.get(0).requiresGrad(false);
        assertThat(net.h.get(0).fc.weight.requiresGrad()).isFalse();
        net.eval();
        net.forward(new int[] {1, 2, 3}).sum().backward();
        assertThat(net.h.get(0).fc.weight.grad()).isNull();
        assertThat(net.h.get(1).fc.weight.grad()).isNotNull();
        assertThat(net.wte.weight.grad()).isNotNull(); // gradients still flow through a frozen layer to earlier ones
        List<ParamGroup> groups = Optimizer.decayMatricesOnly(net, 0.1f);
        assertThat(groups.get(0).names()).containsExactly("wte.weight", "h.1.fc.weight", "head.weight");
        assertThat(groups.get(1).names()).containsExactly("h.1.fc.bias", "h.1.ln.weight", "h.1.ln.bias");
        net.zeroGrad();
        assertThat(net.h.get(1).fc.weight.grad()).isNull();
    }

    @Test
    void stateDictRoundTripsThroughSafetensors(@TempDir Path dir) throws IOException {
        Net net = new Net(1);
        Net other = new Net(2);
        net.eval();
        other.eval();
        int[] ids = {3, 1, 4, 1, 5};
        assertThat(other.forward(ids).toArray()).isNotEqualTo(net.forward(ids).toArray());
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, net.stateDict(), Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.entries().keySet()).containsExactlyElementsOf(net.stateDict().keySet());
            other.loadStateDict(st.tensors());
        }
        assertThat(other.forward(ids).toArray()).isEqualTo(net.forward(ids).toArray());
    }

    @Test
    void loadStateDictErrorsNameTheTensorAndChangeNothing() {
        Net net = new Net(0);
        Net other = new Net(1);
        float[] before = other.h.get(1).fc.bias.toArray();
        Map<String, Tensor> state = new HashMap<>();
        net.stateDict().forEach((k, v) -> state.put(k, v.mul(2f).copy()));

        state.put("h.0.fc.weight", Tensor.zeros(4, 3));
        assertThatThrownBy(() -> other.loadStateDict(state)).hasMessage("tensor 'h.0.fc.weight' has shape [4, 3], the model expects [3, 4]");
        assertThat(other.h.get(1).fc.bias.toArray()).isEqualTo(before);
        state.remove("h.0.fc.weight");
        state.remove("head.weight");
        assertThatThrownBy(() -> other.loadStateDict(state)).hasMessage("missing tensors h.0.fc.weight, head.weight");
        state.put("h.0.fc.weight", net.h.get(0).fc.weight);
        state.put("head.weight", net.head.weight);
        state.put("extra", Tensor.zeros(1));
        assertThatThrownBy(() -> other.loadStateDict(state)).hasMessage("unexpected tensor extra");
        assertThat(other.h.get(1).fc.bias.toArray()).isEqualTo(before);

        other.loadStateDict(state, false);
        assertThat(other.h.get(1).fc.bias.toArray()).isEqualTo(net.h.get(1).fc.bias.mul(2f).toArray());
        assertThat(other.head.weight.toArray()).isEqualTo(net.head.weight.toArray());
        assertThat(other.head.weight).isNotSameAs(net.head.weight);
    }

    @Test
    void linearComputesXTimesWeightTransposedPlusBias() {
        Linear linear = new Linear(5, 3, true, new SplittableRandom(4));
        Tensor x = Tensor.randn(5, 2, 4, 5);
        float[] y = linear.forward(x).toArray();
        float[] xs = x.toArray();
        float[] w = linear.weight.toArray();
        float[] b = linear.bias.toArray();
        for (int row = 0; row < 8; row++) {
            for (int o = 0; o < 3; o++) {
                double expected = b[o];
                for (int i = 0; i < 5; i++) {
                    expected += (double) xs[row * 5 + i] * w[o * 5 + i];
                }
                assertThat((double) y[row * 3 + o]).isCloseTo(expected, within(1e-5));
            }
        }
        assertThat(linear.forward(x).shape()).containsExactly(2, 4, 3);
    }

    @Test
    void linearGradientsForInputWeightAndBias() {
        Linear linear = new Linear(5, 3, true, new SplittableRandom(1));
        GradCheck.check("linear", t -> linear.forward(t[0]), Tensor.randn(2, 2, 4, 5), linear.weight, linear.bias);
        Linear noBias = new Linear(4, 6, false, 0.5f, new SplittableRandom(2));
        GradCheck.check("linear without bias", t -> noBias.forward(t[0]), Tensor.randn(3, 3, 4), noBias.weight);
    }

    @Test
    void initializationsFollowPyTorchAndGpt2() {
        int in = 256;
        Linear kaiming = new Linear(in, 512, true, new SplittableRandom(7));
        float bound = (float) (1 / Math.sqrt(in));
        double sumSquares = 0;
        for (float v : kaiming.weight.toArray()) {
            assertThat(v).isBetween(-bound, bound);
            sumSquares += v * v;
        }
        // U(−a, a) has variance a²/3; with 131,072 draws the estimate is within 1%.
        assertThat(sumSquares / kaiming.weight.numel()).isCloseTo(bound * bound / 3.0, within(0.01 * bound * bound / 3.0));
        for (float v : kaiming.bias.toArray()) {
            assertThat(v).isBetween(-bound, bound);
        }

        Linear normal = new Linear(in, 512, true, 0.02f, new SplittableRandom(7));
        double var = 0;
        for (float v : normal.weight.toArray()) {
            var += v * v;
        }
        assertThat(Math.sqrt(var / normal.weight.numel())).isCloseTo(0.02, within(0.0002));
        assertThat(normal.bias.toArray()).containsOnly(0f);
        assertThat(new Linear(3, 3, true, new SplittableRandom(9)).weight.toArray())
                .isEqualTo(new Linear(3, 3, true, new SplittableRandom(9)).weight.toArray());
    }
}
