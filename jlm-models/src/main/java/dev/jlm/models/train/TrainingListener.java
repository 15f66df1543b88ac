package dev.jlm.models.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Observes a {@link Trainer} run (Hugging Face's {@code TrainerCallback}): progress bars, plots and logs are
 * listeners; the loop itself prints and draws nothing. Every method has an empty default.
 */
public interface TrainingListener {
    /**
     * A run begins at {@code step}: 0, or where the run it resumes stopped ({@code resumed}); {@code history} holds
     * that earlier run's records (the lines of {@code metrics.jsonl} up to {@code step}).
     */
    record Started(int step, int maxSteps, boolean resumed, List<Map<String, Object>> history) {
    }

    /**
     * Optimizer step {@code step} (counted from 1) is done: its mean micro-batch loss, the learning rate it used,
     * its speed, the estimated seconds left, and the epoch reached (NaN when the task is not epoch-based).
     */
    record Step(int step, int maxSteps, float loss, float learningRate, double tokensPerSecond, double etaSeconds,
                double epoch) {
    }

    /**
     * The task's metrics after {@code step} steps; {@code learningRate} is the next step's, {@code best} whether the
     * model just became the best by the settings' metric.
     */
    record Evaluation(int step, Map<String, Number> metrics, float learningRate, boolean best) {
    }

    /** The task's files (and, in {@code last/}, the resume state) were written to {@code directory} after {@code step}. */
    record Checkpoint(int step, Path directory) {
    }

    default void started(Started event) {
    }

    default void step(Step event) {
    }

    default void evaluated(Evaluation event) {
    }

    default void checkpointSaved(Checkpoint event) {
    }

    default void finished(Trainer.Result result) {
    }
}
