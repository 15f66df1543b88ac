package dev.jlm.cli;

import dev.jlm.models.PretrainedModels;
import dev.jlm.tasks.squad.SquadDataset;
import dev.jlm.tasks.squad.SquadFeatures;
import dev.jlm.tasks.squad.SquadFineTuner;
import dev.jlm.tasks.squad.SquadPredictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm finetune squad}: extractive QA fine-tuning with run_qa.py's preprocessing, training and post-processing. */
@Command(name = "squad", mixinStandardHelpOptions = true,
        description = {"Fine-tune a BERT-family model for extractive QA on a SQuAD training file (run_qa.py's recipe), then "
                + "predict and score the dev file.",
                "Resumes from OUT/last when a run was interrupted. Without internet access to the SQuAD training sets, "
                        + "see 'jlm data pull squad' and the offline split in the README."})
public final class SquadFinetuneCommand implements Callable<Integer> {
    public static final String TITLE = "SQuAD fine-tuning";
    private static final SquadFineTuner.Settings DEFAULTS = SquadFineTuner.Settings.DEFAULTS;

    @Option(names = "--model", required = true, description = "Pretrained model directory or offline name "
            + "(e.g. sentence-transformers/all-MiniLM-L6-v2).")
    String model;
    @Option(names = "--train", required = true, description = "SQuAD training JSON (train-v1.1.json, train-v2.0.json).")
    Path train;
    @Option(names = "--dev", description = "SQuAD dev JSON to predict and score after training.")
    Path dev;
    @Option(names = "--v2", description = "SQuAD 2.0: questions may have no answer (null score vs best span).")
    boolean v2;
    @Option(names = "--out", description = "Output folder for the model, metrics, plot and predictions (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "squad");
    @Option(names = "--epochs", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs();
    @Option(names = "--minutes", description = "Stop training after this many minutes (default: no limit).")
    double minutes = DEFAULTS.maxSeconds() / 60;
    @Option(names = "--save-steps", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    int saveSteps = DEFAULTS.saveEvery();
    @Option(names = "--json", description = "Print the dev scores as the official script's JSON object (last line).")
    boolean json;
    @Option(names = "--quiet", description = "No training progress bar.")
    boolean quiet;
    @Mixin
    SquadTrainingOptions training = new SquadTrainingOptions(DEFAULTS);
    @Mixin
    SquadOptions squad = new SquadOptions();

    @Override
    public Integer call() throws Exception {
        if (epochs < 1 || training.batchSize < 1 || training.accumulation < 1 || saveSteps < 1) {
            throw new IllegalArgumentException("--epochs, --batch-size, --gradient-accumulation-steps and --save-steps must be positive");
        }
        if (!(training.learningRate > 0)) {
            throw new IllegalArgumentException("--learning-rate must be positive (got " + training.learningRate + ")");
        }
        SquadDataset trainSet = SquadDataset.read(train);
        SquadDataset devSet = dev == null ? null : SquadDataset.read(dev);
        Path start = Files.isDirectory(out.resolve("last")) ? out.resolve("last") : PretrainedModels.resolve(model);
        SquadPredictor predictor = SquadPredictor.load(start, squad.predictorOptions(), training.seed());
        List<SquadFeatures.Feature> features = predictor.features(SquadFeatures.examples(trainSet));
        SquadFineTuner.Settings settings = training.applyTo(SquadFineTuner.Settings.builder()).epochs(epochs)
                .maxSeconds(minutes * 60).saveEvery(saveSteps).build();
        SquadFineTuner tuner = new SquadFineTuner(predictor.model(), predictor.tokenizer(), features, settings, out);
        System.out.printf("%,d training questions → %,d windows of up to %d tokens; %d epoch(s) of %,d steps%n",
                trainSet.questions().size(), features.size(), squad.maxSeqLength, epochs, tuner.stepsPerEpoch());
        LossPlot plot = new LossPlot(out.resolve("loss.png"), TITLE);
        SquadFineTuner.Result result;
        try (TrainingProgress progress = new TrainingProgress(TITLE, !quiet, null)) {
            result = tuner.run(progress, plot);
        }
        System.out.printf("%d/%d steps in %.0f s (%.1f windows/s, %,.0f tokens/s), final loss %.4f%n", result.steps(),
                result.totalSteps(), result.seconds(), result.featuresPerSecond(), result.tokensPerSecond(), result.finalLoss());
        System.out.println("model: " + out + "   plot: " + plot.file());
        if (devSet != null) {
            PredictCommand.predictAndScore(predictor, devSet, dev, v2, squad.nullScoreDiffThreshold, out.resolve("eval"), json);
        }
        return 0;
    }
}
