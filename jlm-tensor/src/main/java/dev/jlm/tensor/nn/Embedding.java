package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/** A lookup table of {@code count} vectors of size {@code dim}. */
public final class Embedding extends Module {
    public final Tensor weight;

    /** Weights from N(0, std²) (PyTorch's default is std 1; GPT-2 and BERT use 0.02). */
    public Embedding(int count, int dim, float std, SplittableRandom random) {
        this.weight = parameter("weight", Tensor.randn(random, count, dim).mul(std).detach().copy());
    }

    /** Vectors for {@code ids}, shaped {@code shape + [dim]}. */
    public Tensor forward(int[] ids, int... shape) {
        return F.embedding(weight, ids, shape);
    }
}
