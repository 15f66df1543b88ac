package dev.jlm.tensor.optim;

/** Learning rate as a function of the step (0-based), applied before each optimizer step. */
@FunctionalInterface
public interface LrSchedule {
    float at(long step);

    static LrSchedule constant(float lr) {
        return step -> lr;
    }

    /**
     * nanoGPT's {@code get_lr}: linear warmup over {@code warmup} steps (lr·(step+1)/(warmup+1)), cosine decay to
     * {@code minLr} at {@code decaySteps}, then {@code minLr}.
     */
    static LrSchedule warmupCosine(float maxLr, float minLr, long warmup, long decaySteps) {
        return step -> {
            if (step < warmup) {
                return (float) ((double) maxLr * (step + 1) / (warmup + 1));
            }
            if (step > decaySteps) {
                return minLr;
            }
            double ratio = (double) (step - warmup) / Math.max(1, decaySteps - warmup);
            double coefficient = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
            return (float) (minLr + coefficient * (maxLr - minLr));
        };
    }

    /**
     * Hugging Face's {@code get_linear_schedule_with_warmup}: linear warmup from 0 over {@code warmup} steps, then
     * linear decay to 0 at {@code total}.
     */
    static LrSchedule warmupLinear(float maxLr, long warmup, long total) {
        return step -> {
            if (step < warmup) {
                return (float) ((double) maxLr * step / Math.max(1, warmup));
            }
            return (float) (maxLr * Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup)));
        };
    }
}
