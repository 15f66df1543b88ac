package dev.jlm.tensor.nn;

import dev.jlm.tensor.GradCheck;
import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    }

    static final class Net extends Module {
        final Embedding wte;
        final List<Block> h;

        Net() {
            SplittableRandom random = new SplittableRandom(0);
            wte = child("wte", new Embedding(10, 4, 0.02f, random));
            h = children("h", List.of(new Block(random), new Block(random)));
        }
    }

    @Test
    void parametersHaveDottedNamesInRegistrationOrder() {
        Net net = new Net();
        assertThat(net.namedParameters().keySet()).containsExactly("wte.weight", "h.0.fc.weight", "h.0.fc.bias",
                "h.0.ln.weight", "h.0.ln.bias", "h.1.fc.weight", "h.1.fc.bias", "h.1.ln.weight", "h.1.ln.bias");
        assertThat(net.parameterCount()).isEqualTo(40 + 2 * (12 + 3 + 3 + 3));
        assertThat(net.h.get(0).fc.weight.shape()).containsExactly(3, 4);
    }

    @Test
    void modesFreezingAndStateDicts() {
        Net net = new Net();
        net.eval();
        assertThat(net.h.get(1).drop.isTraining()).isFalse();
        net.h.get(0).requiresGrad(false);
        assertThat(net.h.get(0).fc.weight.requiresGrad()).isFalse();

        Net other = new Net();
        Map<String, Tensor> state = new HashMap<>();
        net.stateDict().forEach((k, v) -> state.put(k, v.mul(2f).copy()));
        other.loadStateDict(state, true);
        assertThat(other.h.get(1).fc.bias.toArray()).containsExactly(net.h.get(1).fc.bias.mul(2f).toArray());

        state.put("h.0.fc.weight", Tensor.zeros(4, 3));
        assertThatThrownBy(() -> other.loadStateDict(state, true)).hasMessageContaining("'h.0.fc.weight' has shape [4, 3]");
        state.remove("h.0.fc.weight");
        assertThatThrownBy(() -> other.loadStateDict(state, true)).hasMessageContaining("missing tensor h.0.fc.weight");
        state.put("h.0.fc.weight", Tensor.zeros(3, 4));
        state.put("extra", Tensor.zeros(1));
        assertThatThrownBy(() -> other.loadStateDict(state, true)).hasMessageContaining("unexpected tensor extra");
    }

    @Test
    void linearGradients() {
        Linear linear = new Linear(5, 3, true, new SplittableRandom(1));
        GradCheck.check("linear", x -> linear.forward(x[0]), Tensor.randn(2, 2, 4, 5));
        GradCheck.check("linear weight", x -> {
            Tensor y = x[1].matmul(x[0].transpose(0, 1));
            return y;
        }, Tensor.randn(3, 3, 5), Tensor.randn(4, 4, 5));
    }
}
