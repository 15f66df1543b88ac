package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;

import java.util.List;

/**
 * Parameters that share optimizer settings, e.g. nanoGPT's "decay matrices, not biases and norms".
 *
 * @param names       the parameters' names (keys of the optimizer state in checkpoints)
 * @param params      the tensors, in the same order as {@code names}
 * @param weightDecay decoupled weight decay for this group
 * @param lrScale     this group's learning rate as a multiple of the optimizer's (scheduled) rate
 */
public record ParamGroup(List<String> names, List<Tensor> params, float weightDecay, float lrScale) {
    public ParamGroup {
        if (names.size() != params.size()) {
            throw new IllegalArgumentException("a parameter group needs one name per tensor");
        }
        names = List.copyOf(names);
        params = List.copyOf(params);
    }

    /** A group at the optimizer's learning rate. */
    public ParamGroup(List<String> names, List<Tensor> params, float weightDecay) {
        this(names, params, weightDecay, 1f);
    }
}
