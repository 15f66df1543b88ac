package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/** y = x·Wᵀ + b with W stored [out, in] as PyTorch does; the matrix kernel reads W in place and adds b as it writes. */
public final class Linear extends Module {
    public final Tensor weight;
    public final Tensor bias;

    /** PyTorch's default initialization: U(−1/√in, 1/√in) for weight and bias. */
    public Linear(int in, int out, boolean bias, SplittableRandom random) {
        float bound = (float) (1.0 / Math.sqrt(in));
        this.weight = parameter("weight", Tensor.uniform(random, -bound, bound, out, in));
        this.bias = bias ? parameter("bias", Tensor.uniform(random, -bound, bound, out)) : null;
    }

    /** Weight from N(0, std²) and zero bias (GPT-2 / BERT initialization). */
    public Linear(int in, int out, boolean bias, float std, SplittableRandom random) {
        this.weight = parameter("weight", Tensor.randn(random, out, in).mul(std).detach().copy());
        this.bias = bias ? parameter("bias", Tensor.zeros(out)) : null;
    }

    public Tensor forward(Tensor x) {
        return F.linear(x, weight, bias);
    }

    /** {@code activation(x·Wᵀ + b)}, fused into the product when no gradient is recorded. */
    public Tensor forward(Tensor x, F.Activation activation) {
        return F.linear(x, weight, bias, activation);
    }
}
