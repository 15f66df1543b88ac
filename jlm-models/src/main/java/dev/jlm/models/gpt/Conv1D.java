package dev.jlm.models.gpt;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Adapter;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.nn.QuantizableLayer;
import dev.jlm.tensor.nn.QuantizedWeight;

import java.util.SplittableRandom;

/**
 * GPT-2's linear layer as Hugging Face stores it: weight [in, out], so y = x·W + b with no transpose. Keeping HF's
 * orientation makes checkpoints load and save without conversion. An {@link Adapter} attached to the layer adds its
 * path to y. For inference the weight may be held quantized ({@link #useQuantized}, [out, in] as every quantized
 * weight); {@code weight} is then null.
 */
public final class Conv1D extends Module implements QuantizableLayer {
    public Tensor weight;
    public final Tensor bias;
    private Adapter adapter;
    private QuantizedWeight quantized;

    public Conv1D(int in, int out, boolean bias, float std, SplittableRandom random) {
        this.weight = parameter("weight", Tensor.randn(random, in, out).mul(std).copy());
        this.bias = bias ? parameter("bias", Tensor.zeros(out)) : null;
    }

    public int inFeatures() {
        return quantized != null ? quantized.cols() : weight.size(0);
    }

    public int outFeatures() {
        return quantized != null ? quantized.rows() : weight.size(1);
    }

    /** Attaches {@code adapter} (at most one at a time); its modules become this layer's children, in its mode. */
    public void attach(Adapter adapter) {
        if (this.adapter != null) {
            throw new IllegalStateException("this Conv1D already has an adapter");
        }
        adapter.modules().forEach((name, module) -> child(name, module).train(isTraining()));
        this.adapter = adapter;
    }

    /** Removes the attached adapter and its modules; the layer computes x·W + b alone again. */
    public void detach() {
        if (adapter == null) {
            throw new IllegalStateException("this Conv1D has no adapter");
        }
        adapter.modules().keySet().forEach(this::removeChild);
        adapter = null;
    }

    /** The attached adapter, or null. */
    public Adapter adapter() {
        return adapter;
    }

    public Tensor forward(Tensor x) {
        Tensor y = quantized != null ? quantized.multiplyTransposed(x) : x.matmul(weight);
        y = bias == null ? y : y.add(bias);
        return adapter == null ? y : adapter.forward(x, y);
    }

    @Override
    public Tensor weightOutIn() {
        return weight == null ? null : weight.transpose(0, 1);
    }

    @Override
    public boolean storesInOut() {
        return true;
    }

    @Override
    public void useQuantized(QuantizedWeight replacement) {
        if (quantized != null) {
            throw new IllegalStateException("Conv1D is already quantized");
        }
        replacement.requireShape(weight.size(1), weight.size(0), "Conv1D");
        quantized = replacement;
        removeParameter("weight");
        weight = null;
    }

    @Override
    public QuantizedWeight quantized() {
        return quantized;
    }
}
