package dev.jlm.tensor.nn;

import dev.jlm.tensor.Tensor;

import java.util.Map;

/**
 * A trainable path beside a layer whose weight stays as it is (PEFT's {@code LoraLayer}): the layer computes its own
 * output and hands it to {@link #forward}. The adapter's modules become children of the layer while attached, so
 * their parameters are named under it ({@code query.lora_A.weight}) and train, save and switch mode with the model.
 */
public interface Adapter {
    /** The modules to register under the layer, by child name. */
    Map<String, Module> modules();

    /** The layer's output for {@code input}, given what the layer alone computes ({@code baseOutput}). */
    Tensor forward(Tensor input, Tensor baseOutput);
}
