package dev.jlm.cli;

import dev.jlm.models.PretrainedModels;
import dev.jlm.tasks.squad.SquadDataset;
import dev.jlm.tasks.squad.SquadEvaluation;
import dev.jlm.tasks.squad.SquadFeatures;
import dev.jlm.tasks.squad.SquadPostprocessor;
import dev.jlm.tasks.squad.SquadPredictor;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm predict ...}: a fine-tuned model's predictions for a task's data, in the task's file format. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Predict with a fine-tuned model.",
        subcommands = {PredictCommand.Squad.class})
public final class PredictCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code jlm predict squad}: answers for a SQuAD file, written as run_qa.py writes them. */
    @Command(name = "squad", mixinStandardHelpOptions = true,
            description = {"Answer every question of a SQuAD file with a fine-tuned QA model; writes predictions.json, "
                    + "nbest_predictions.json and (with --v2) null_odds.json, and scores them when the file has answers.",
                    "Score them later with: jlm eval squad --data FILE --predictions OUT/predictions.json [--na-prob OUT/null_odds.json]"})
    public static final class Squad implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Fine-tuned model directory (jlm finetune squad's output).")
        String model;
        @Option(names = "--data", required = true, description = "SQuAD v1.1 or v2.0 JSON file.")
        Path data;
        @Option(names = "--adapter", description = PeftCommand.ADAPTER_HELP)
        Path adapter;
        @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out = Path.of("out", "squad-predictions");
        @Option(names = "--v2", description = "SQuAD 2.0: questions may have no answer (null score vs best span).")
        boolean v2;
        @Option(names = "--json", description = "Print the official script's JSON scores as the last line.")
        boolean json;
        @Mixin
        SquadOptions squad = new SquadOptions();

        @Override
        public Integer call() throws Exception {
            SquadPredictor.Options options = squad.predictorOptions();
            SquadDataset dataset = SquadDataset.read(data);
            SquadPredictor predictor = SquadPredictor.load(PretrainedModels.resolve(model), options, 0);
            PeftCommand.applyAdapter(predictor.model(), adapter);
            predictAndScore(predictor, dataset, data, v2, squad.nullScoreDiffThreshold, out, json);
            return 0;
        }
    }

    /**
     * Predicts every question of {@code dataset} with a progress bar, writes the prediction files into {@code out}
     * and prints the official metrics (v1.1 or v2.0 by {@code v2}) when the data set has answers.
     */
    static void predictAndScore(SquadPredictor predictor, SquadDataset dataset, Path data, boolean v2, double threshold,
                                Path out, boolean json) throws IOException {
        SquadPostprocessor.Predictions predictions;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("predicting").setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setUnit(" windows", 1).build()) {
            predictions = predictor.predict(SquadFeatures.examples(dataset), v2, threshold, (done, all) -> {
                bar.maxHint(all);
                bar.stepTo(done);
            });
        }
        SquadPredictor.write(predictions, out, v2);
        System.err.println("predictions: " + out.resolve("predictions.json") + (v2 ? "   null odds: " + out.resolve("null_odds.json") : ""));
        boolean hasAnswers = dataset.questions().stream().anyMatch(q -> !q.answers().isEmpty());
        if (hasAnswers) {
            Map<String, Object> scores = v2 ? SquadEvaluation.v2(dataset, predictions.predictions(), predictions.nullOdds(), 1.0, System.err)
                    : SquadEvaluation.v1(dataset, predictions.predictions(), System.err);
            EvalCommand.Squad.print(scores, data.getFileName().toString(), json);
        }
    }
}
