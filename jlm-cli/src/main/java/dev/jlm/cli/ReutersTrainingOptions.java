package dev.jlm.cli;

import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.tasks.reuters.ReutersFineTuner;
import picocli.CommandLine.Option;

/** The fine-tuning flags {@code finetune reuters} and the reuters benchmark share, defaults from the settings type. */
public final class ReutersTrainingOptions {
    private static final ReutersFineTuner.Settings DEFAULTS = ReutersFineTuner.Settings.DEFAULTS;

    @Option(names = "--epochs", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs();
    @Option(names = "--batch-size", description = "Documents per step (default: ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();
    @Option(names = "--learning-rate", description = "Encoder learning rate (default: ${DEFAULT-VALUE}).")
    float learningRate = DEFAULTS.learningRate();
    @Option(names = "--head-lr-scale", description = "The new head's learning rate ÷ the encoder's (default: ${DEFAULT-VALUE}).")
    float headScale = DEFAULTS.headLearningRateScale();
    @Option(names = "--pooling", description = "Document vector: mean of the tokens (as the encoder was trained for sentence "
            + "embeddings) or HF's [CLS] pooler: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    BertForSequenceClassification.Pooling pooling = DEFAULTS.pooling();
    @Option(names = "--max-length", description = "Tokens per document, longer ones truncated (default: ${DEFAULT-VALUE}).")
    int maxLength = DEFAULTS.maxLength();
    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    /** {@code settings} with these flags' values. */
    public ReutersFineTuner.Settings.Builder applyTo(ReutersFineTuner.Settings.Builder settings) {
        return settings.epochs(epochs).batchSize(batchSize).learningRate(learningRate).headLearningRateScale(headScale)
                .pooling(pooling).maxLength(maxLength).seed(seed);
    }
}
