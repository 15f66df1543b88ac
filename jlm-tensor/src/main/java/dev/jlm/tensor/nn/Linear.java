package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * y = x·Wᵀ + b with W stored [out, in] as PyTorch does; the matrix kernel reads W in place and adds b as it writes. An
 * {@link Adapter} attached to the layer adds its path to y. For inference W may instead be held quantized
 * ({@link #useQuantized}); {@code weight} is then null.
 */
public final class Linear extends Module implements QuantizableLayer {
    public Tensor weight;
    public final Tensor bias;
    private Adapter adapter;
    private QuantizedWeight quantized;

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

    public int inFeatures() {
        return quantized != null ? quantized.cols() : weight.size(1);
    }

    public int outFeatures() {
        return quantized != null ? quantized.rows() : weight.size(0);
    }

    /** Attaches {@code adapter} (at most one at a time); its modules become this layer's children, in its mode. */
    public void attach(Adapter adapter) {
        if (this.adapter != null) {
            throw new IllegalStateException("this Linear already has an adapter");
        }
        adapter.modules().forEach((name, module) -> child(name, module).train(isTraining()));
        this.adapter = adapter;
    }

    /** Removes the attached adapter and its modules; the layer computes x·Wᵀ + b alone again. */
    public void detach() {
        if (adapter == null) {
            throw new IllegalStateException("this Linear has no adapter");
        }
        adapter.modules().keySet().forEach(this::removeChild);
        adapter = null;
    }

    /** The attached adapter, or null. */
    public Adapter adapter() {
        return adapter;
    }

    public Tensor forward(Tensor x) {
        Tensor y = quantized == null ? F.linear(x, weight, bias)
                : bias == null ? quantized.multiplyTransposed(x) : quantized.multiplyTransposed(x).add(bias);
        return adapter == null ? y : adapter.forward(x, y);
    }

    /** {@code activation(x·Wᵀ + b)}, fused into the product when no gradient is recorded and nothing is added to it. */
    public Tensor forward(Tensor x, F.Activation activation) {
        return quantized == null && adapter == null ? F.linear(x, weight, bias, activation) : activation.apply(forward(x));
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
            throw new IllegalStateException("Linear is already quantized");
        }
        replacement.requireShape(weight.size(0), weight.size(1), "Linear");
        quantized = replacement;
        removeParameter("weight");
        weight = null;
    }

    @Override
    public QuantizedWeight quantized() {
        return quantized;
    }
}
