package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;

/**
 * Gradient accumulation as nanoGPT does it: each micro-batch's loss is back-propagated scaled by 1/microSteps, so
 * the gradients summed over microSteps micro-batches are those of their mean loss; every microSteps-th call clips
 * (when maxGradNorm > 0), steps the optimizer and drops the gradients.
 *
 * <pre>{@code
 * GradientAccumulator accumulator = new GradientAccumulator(optimizer, 4, 1f);
 * for (Batch batch : batches) {
 *     optimizer.setLearningRate(schedule.at(accumulator.steps()));
 *     if (accumulator.backward(model.loss(batch))) {
 *         log(accumulator.steps(), accumulator.lastGradNorm());
 *     }
 * }
 * }</pre>
 */
public final class GradientAccumulator {
    private final Optimizer optimizer;
    private final int microSteps;
    private final float maxGradNorm;
    private int pending;
    private long steps;
    private float lastGradNorm = Float.NaN;

    public GradientAccumulator(Optimizer optimizer, int microSteps, float maxGradNorm) {
        if (microSteps < 1) {
            throw new IllegalArgumentException("gradient accumulation needs at least 1 micro-step, got " + microSteps);
        }
        this.optimizer = optimizer;
        this.microSteps = microSteps;
        this.maxGradNorm = maxGradNorm;
    }

    /** Back-propagates one micro-batch's (scalar) loss; returns true when this call completed an optimizer step. */
    public boolean backward(Tensor loss) {
        loss.backward(Tensor.full(1f / microSteps, loss.shape()));
        if (++pending < microSteps) {
            return false;
        }
        pending = 0;
        if (maxGradNorm > 0) {
            lastGradNorm = GradClip.clipGradNorm(optimizer.params(), maxGradNorm);
        }
        optimizer.step();
        optimizer.zeroGrad();
        steps++;
        return true;
    }

    /** Optimizer steps taken so far (the index of the next step, for a schedule). */
    public long steps() {
        return steps;
    }

    /** The gradient norm before clipping at the last step; NaN without clipping. */
    public float lastGradNorm() {
        return lastGradNorm;
    }
}
