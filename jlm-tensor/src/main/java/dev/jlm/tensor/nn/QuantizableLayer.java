package dev.jlm.tensor.nn;

import dev.jlm.tensor.Tensor;

/** A layer whose weight matrix can be held quantized for inference: {@link Linear}, GPT-2's Conv1D, {@link Embedding}. */
public interface QuantizableLayer {
    /** The float weight as [out, in] (a view), or null once quantized. */
    Tensor weightOutIn();

    /** Whether the checkpoint stores the weight [in, out] (Conv1D) rather than [out, in] (Linear). */
    boolean storesInOut();

    /** Replaces the float weight by {@code weight} ([out, in], same shape); the float parameter is dropped. */
    void useQuantized(QuantizedWeight weight);

    /** The quantized weight, or null while the weight is float. */
    QuantizedWeight quantized();
}
