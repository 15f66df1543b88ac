package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * A lookup table of {@code count} vectors of size {@code dim}. For inference the table may be held quantized
 * ({@link #useQuantized}, one int8 scale per vector: per output channel of a tied LM head); {@code weight} is then null.
 */
public final class Embedding extends Module implements QuantizableLayer {
    public Tensor weight;
    private QuantizedWeight quantized;

    /** Weights from N(0, std²) (PyTorch's default is std 1; GPT-2 and BERT use 0.02). */
    public Embedding(int count, int dim, float std, SplittableRandom random) {
        this.weight = parameter("weight", Tensor.randn(random, count, dim).mul(std).detach().copy());
    }

    /** Vectors for {@code ids}, shaped {@code shape + [dim]}. */
    public Tensor forward(int[] ids, int... shape) {
        return quantized != null ? quantized.rows(ids, shape) : F.embedding(weight, ids, shape);
    }

    /** hidden [..., dim] · tableᵀ → [..., count]: a tied output layer (GPT-2's LM head, BERT's MLM decoder). */
    public Tensor attend(Tensor hidden) {
        return quantized != null ? quantized.multiplyTransposed(hidden) : hidden.matmul(weight.transpose(0, 1));
    }

    @Override
    public Tensor weightOutIn() {
        return weight;
    }

    @Override
    public boolean storesInOut() {
        return false;
    }

    @Override
    public void useQuantized(QuantizedWeight replacement) {
        if (quantized != null) {
            throw new IllegalStateException("Embedding is already quantized");
        }
        replacement.requireShape(weight.size(0), weight.size(1), "Embedding");
        quantized = replacement;
        removeParameter("weight");
        weight = null;
    }

    @Override
    public QuantizedWeight quantized() {
        return quantized;
    }
}
