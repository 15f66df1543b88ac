package dev.jlm.models.gpt;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Module;

import java.util.SplittableRandom;

/**
 * GPT-2's linear layer as Hugging Face stores it: weight [in, out], so y = x·W + b with no transpose. Keeping HF's
 * orientation makes checkpoints load and save without conversion.
 */
public final class Conv1D extends Module {
    public final Tensor weight;
    public final Tensor bias;

    public Conv1D(int in, int out, boolean bias, float std, SplittableRandom random) {
        this.weight = parameter("weight", Tensor.randn(random, in, out).mul(std).copy());
        this.bias = bias ? parameter("bias", Tensor.zeros(out)) : null;
    }

    public Tensor forward(Tensor x) {
        Tensor y = x.matmul(weight);
        return bias == null ? y : y.add(bias);
    }
}
