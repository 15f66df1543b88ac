package dev.jlm.cli;

import dev.jlm.tasks.squad.SquadFineTuner;
import picocli.CommandLine.Option;

/**
 * The fine-tuning flags {@code finetune squad} and the squad benchmark share, their defaults taken from the settings
 * each starts from ({@code run_qa.py}'s for the command, the benchmark's MiniLM recipe for it).
 */
public final class SquadTrainingOptions {
    @Option(names = "--batch-size", description = "Windows per forward/backward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--gradient-accumulation-steps", description = "Forward/backward passes of --batch-size windows per "
            + "optimizer step (default: ${DEFAULT-VALUE}).")
    int accumulation;
    @Option(names = "--learning-rate", description = "Peak AdamW learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate;
    @Option(names = "--warmup-ratio", description = "Share of the steps spent warming up (default: ${DEFAULT-VALUE}).")
    float warmupRatio;
    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
    float weightDecay;
    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    public SquadTrainingOptions(SquadFineTuner.Settings defaults) {
        batchSize = defaults.batchSize();
        accumulation = defaults.gradientAccumulationSteps();
        learningRate = defaults.learningRate();
        warmupRatio = defaults.warmupRatio();
        weightDecay = defaults.weightDecay();
        seed = defaults.seed();
    }

    public long seed() {
        return seed;
    }

    /** {@code settings} with these flags' values. */
    public SquadFineTuner.Settings.Builder applyTo(SquadFineTuner.Settings.Builder settings) {
        return settings.batchSize(batchSize).gradientAccumulationSteps(accumulation).learningRate(learningRate)
                .warmupRatio(warmupRatio).weightDecay(weightDecay).seed(seed);
    }
}
