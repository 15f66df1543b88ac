package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;

import java.util.List;

/**
 * Parameters that share optimizer settings, e.g. nanoGPT's "decay matrices, not biases and norms".
 *
 * @param names       the parameters' names (for checkpoints of the optimizer state)
 * @param params      the tensors, in the same order as {@code names}
 * @param weightDecay decoupled weight decay for this group
 */
public record ParamGroup(List<String> names, List<Tensor> params, float weightDecay) {
    public ParamGroup {
        if (names.size() != params.size()) {
            throw new IllegalArgumentException("a parameter group needs one name per tensor");
        }
    }
}
