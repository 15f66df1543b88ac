package dev.jlm.models.train;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.optim.Optimizer;
import dev.jlm.tensor.optim.ParamGroup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What a task brings to the {@link Trainer}: its model, the loss of each micro-batch, its evaluation and what it
 * saves. Everything else (optimizer, schedule, accumulation, clipping, budget, checkpoints, resume) is the loop's.
 *
 * <p>For a resumed run to continue exactly as an uninterrupted one, a micro-batch must depend only on its step and
 * index and on the generator the loop hands over: batches drawn from that generator, or chosen by the step (as
 * {@link EpochOrder} does).
 */
public interface TrainingTask {
    /** A micro-batch's (scalar, mean) loss and the number of tokens it trained on. */
    record Loss(Tensor value, long tokens) {
    }

    /** The module whose parameters train; the loop switches its train/eval mode and reseeds its dropout. */
    Module model();

    /** The optimizer's parameter groups; by default nanoGPT's: matrices decay, biases and norm weights do not. */
    default List<ParamGroup> parameterGroups(float weightDecay) {
        return Optimizer.decayMatricesOnly(model(), weightDecay);
    }

    /** Micro-batches whose gradients make optimizer step {@code step}; by default the settings' accumulation. */
    default int microBatches(int step, int gradientAccumulationSteps) {
        return gradientAccumulationSteps;
    }

    /**
     * The loss of micro-batch {@code micro} of step {@code step} (0-based), computed with gradients. {@code random} is
     * that micro-batch's generator, its first draw already spent on seeding dropout.
     */
    Loss loss(int step, int micro, SplittableRandom random);

    /**
     * Metrics of the model after {@code step} steps, computed in eval mode without gradients; {@code last} for the
     * run's final evaluation. Empty when the task has nothing to evaluate.
     */
    default Map<String, Number> evaluate(int step, boolean last) {
        return Map.of();
    }

    /** Optimizer steps per pass over the training data, for the {@code epoch} the loop reports; 0 if not epoch-based. */
    default int stepsPerEpoch() {
        return 0;
    }

    /** Writes what the task keeps (its model in Hugging Face layout, its tokenizer…) into {@code directory}. */
    void save(Path directory) throws IOException;

    /** Loads the model's weights from a folder {@link #save} wrote, to resume from it. */
    void restore(Path directory) throws IOException;
}
