package dev.jlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.cli.LossPlot;
import dev.jlm.cli.SquadFinetuneCommand;
import dev.jlm.cli.SquadTrainingOptions;
import dev.jlm.cli.TrainingProgress;
import dev.jlm.models.PretrainedModels;
import dev.jlm.tasks.squad.SquadDataset;
import dev.jlm.tasks.squad.SquadEvaluation;
import dev.jlm.tasks.squad.SquadFeatures;
import dev.jlm.tasks.squad.SquadFineTuner;
import dev.jlm.tasks.squad.SquadPostprocessor;
import dev.jlm.tasks.squad.SquadPredictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench squad}: fine-tunes all-MiniLM-L6-v2 (offline, from its Maven jar) for extractive QA on the offline
 * training split of SQuAD dev-v1.1 (the 13 articles not in dev-v2.0) within a time budget, then scores the 35 test
 * articles with the v1.1 metrics and dev-v2.0 with the v2.0 metrics. The v2.0 null-score threshold is the
 * {@code best_f1_thresh} found on training data the model has not seen: the last training articles are kept out of
 * fine-tuning, and their questions, each also made unanswerable once ({@link SquadFeatures#syntheticUnanswerable}: about
 * half the set, as in dev-v2.0), choose it. Test data never does.
 */
@Command(name = "squad", mixinStandardHelpOptions = true,
        description = "SQuAD fine-tuning of MiniLM on the offline split; v1.1 and v2.0 scores of the held-out articles.")
public final class SquadBench implements Callable<Integer> {
    /** MiniLM's recipe: a higher learning rate than BERT-base's 3e-5, windows in two passes of 16, 10% warmup. */
    private static final SquadFineTuner.Settings RECIPE = SquadFineTuner.Settings.builder().batchSize(16)
            .gradientAccumulationSteps(2).learningRate(1e-4f).warmupRatio(0.1f).weightDecay(0.01f).saveEvery(200).build();

    @Option(names = "--minutes", description = "Fine-tuning time budget in minutes (default: ${DEFAULT-VALUE}).")
    double minutes = 60;

    @Option(names = "--max-epochs", description = "Most epochs to fit into the budget (default: ${DEFAULT-VALUE}).")
    int maxEpochs = 4;

    @Option(names = "--quick", description = "A smoke run: 200 training questions, 40 s of training, 300 test questions each.")
    boolean quick;

    @Mixin
    SquadTrainingOptions training = new SquadTrainingOptions(RECIPE);

    @Option(names = "--unanswerable", description = "Fraction of training questions that also yield an unanswerable example "
            + "(their article's nearest other paragraph, or a name or number swapped) (default: ${DEFAULT-VALUE}).")
    double unanswerable = 0.5;

    @Option(names = "--threshold-articles", description = "Training articles kept out of fine-tuning to choose the v2.0 "
            + "null-score threshold on (default: ${DEFAULT-VALUE}).")
    int thresholdArticles = 2;

    @Option(names = "--data", description = "Folder with dev-v1.1.json and dev-v2.0.json, or their .gz (default: " + BenchData.SQUAD_DEFAULT + ").")
    Path data;

    @Option(names = "--out", description = "Output folder for the model, predictions, metrics and plot (default: a temporary folder).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path folder = BenchData.squad(data);
        SquadDataset v11 = SquadDataset.read(plainOrGzip(folder, "dev-v1.1.json"));
        SquadDataset v20 = SquadDataset.read(plainOrGzip(folder, "dev-v2.0.json"));
        SquadDataset.Split split = SquadDataset.offlineSplit(v11, v20);
        List<SquadDataset.Article> trainArticles = split.train().articles();
        if (thresholdArticles < 1 || thresholdArticles >= trainArticles.size()) {
            throw new IllegalArgumentException("--threshold-articles must be between 1 and " + (trainArticles.size() - 1));
        }
        int cut = trainArticles.size() - thresholdArticles;
        SquadDataset fit = new SquadDataset(split.train().version(), trainArticles.subList(0, cut));
        SquadDataset heldOut = new SquadDataset(split.train().version(), trainArticles.subList(cut, trainArticles.size()));
        SquadDataset train = quick ? first(fit, 200) : fit;
        SquadDataset thresholdQuestions = quick ? first(heldOut, 100) : heldOut;
        SquadDataset testV1 = quick ? first(split.test(), 300) : split.test();
        SquadDataset testV2 = quick ? first(v20, 300) : v20;
        Path dir = out != null ? out : Files.createTempDirectory("jlm-squad");
        String modelName = "sentence-transformers/all-MiniLM-L6-v2";
        long seed = training.seed();
        SquadPredictor predictor = SquadPredictor.load(PretrainedModels.resolve(modelName), SquadPredictor.Options.DEFAULT, seed);

        List<SquadFeatures.Example> trainExamples = new ArrayList<>(SquadFeatures.examples(train));
        List<SquadFeatures.Example> negatives = SquadFeatures.syntheticUnanswerable(train, unanswerable, seed);
        trainExamples.addAll(negatives);
        List<SquadFeatures.Feature> features = predictor.features(trainExamples);
        double budget = (quick ? 40.0 / 60 : minutes) * 60;
        SquadFineTuner.Settings.Builder settings = training.applyTo(SquadFineTuner.Settings.builder()).maxSeconds(budget)
                .saveEvery(RECIPE.saveEvery());
        SquadFineTuner probing = new SquadFineTuner(predictor.model(), predictor.tokenizer(), features,
                settings.epochs(1).build(), dir);
        double perStep = probing.secondsPerStep(quick ? 2 : 5);
        int stepsPerEpoch = probing.stepsPerEpoch();
        int epochs = (int) Math.max(1, Math.min(maxEpochs, Math.floor(0.95 * budget / (perStep * 1.05 * stepsPerEpoch))));
        System.out.printf("training: %,d questions + %,d unanswerable pairings → %,d windows; %.2f s/step → %d epoch(s) of %,d steps "
                + "in a %.0f-minute budget%n", train.questions().size(), negatives.size(), features.size(), perStep, epochs,
                stepsPerEpoch, budget / 60);
        SquadFineTuner tuner = new SquadFineTuner(predictor.model(), predictor.tokenizer(), features,
                settings.epochs(epochs).build(), dir);
        SquadFineTuner.Result result;
        try (TrainingProgress progress = new TrainingProgress(SquadFinetuneCommand.TITLE, !quick, null)) {
            result = tuner.run(progress, new LossPlot(dir.resolve("loss.png"), SquadFinetuneCommand.TITLE));
        }

        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        long t0 = System.nanoTime();
        SquadPostprocessor.Predictions v1 = predictor.predict(SquadFeatures.examples(testV1), false, 0, (done, all) -> { });
        SquadPredictor.write(v1, dir.resolve("test-v1.1"), false);
        Map<String, Object> v1Scores = SquadEvaluation.v1(testV1, v1.predictions(), quiet);

        List<SquadFeatures.Example> thresholdNegatives = SquadFeatures.syntheticUnanswerable(thresholdQuestions, 1.0, seed);
        SquadDataset thresholdSet = withUnanswerable(thresholdQuestions, thresholdNegatives);
        SquadPostprocessor.Predictions onHeldOut = predictor.predict(SquadFeatures.examples(thresholdSet), true, Double.MAX_VALUE,
                (done, all) -> { });
        double threshold = (Double) SquadEvaluation.v2(thresholdSet, onHeldOut.predictions(), onHeldOut.nullOdds(), 1.0, quiet)
                .get("best_f1_thresh");
        SquadPostprocessor.Predictions v2 = predictor.predict(SquadFeatures.examples(testV2), true, threshold, (done, all) -> { });
        SquadPredictor.write(v2, dir.resolve("dev-v2.0"), true);
        Map<String, Object> v2Scores = SquadEvaluation.v2(testV2, v2.predictions(), null, 1.0, quiet);
        double predictSeconds = (System.nanoTime() - t0) / 1e9;

        System.out.printf("MiniLM-L6 (%s) fine-tuned %d steps (%.2f epochs) in %.1f min: %.1f windows/s, %,.0f tokens/s, "
                        + "final loss %.3f%n", modelName, result.steps(), (double) result.steps() / stepsPerEpoch, result.seconds() / 60,
                result.featuresPerSecond(), result.tokensPerSecond(), result.finalLoss());
        System.out.printf("null-score threshold (best_f1_thresh on %,d held-out training questions and %,d unanswerable "
                + "pairings of them): %.4f; prediction took %.1f min%n", thresholdQuestions.questions().size(),
                thresholdNegatives.size(), threshold, predictSeconds / 60);
        System.out.printf("%-40s %10s %10s%n", "", "EM", "F1");
        System.out.printf("%-40s %10.2f %10.2f%n", "v1.1 test articles (" + testV1.questions().size() + " q)",
                v1Scores.get("exact_match"), v1Scores.get("f1"));
        System.out.printf("%-40s %10.2f %10.2f%n", "v2.0 dev (" + testV2.questions().size() + " q)", v2Scores.get("exact"),
                v2Scores.get("f1"));
        System.out.printf("%-40s %10.2f %10.2f%n", "  HasAns", v2Scores.getOrDefault("HasAns_exact", 0.0),
                v2Scores.getOrDefault("HasAns_f1", 0.0));
        System.out.printf("%-40s %10.2f %10.2f%n", "  NoAns", v2Scores.getOrDefault("NoAns_exact", 0.0),
                v2Scores.getOrDefault("NoAns_f1", 0.0));
        System.out.printf("%-40s %10s %10s%n", "anchor: BERT-base v1.1 dev (88k train q)", "80.8", "88.5");
        System.out.printf("%-40s %10s %10s%n", "anchor: minilm-uncased-squad2 v2 dev", "76.1", "79.5");
        System.out.println("model, predictions and loss plot: " + dir);

        ObjectNode json = new ObjectMapper().createObjectNode().put("bench", "squad")
                .put("v1_exact_match", round((Double) v1Scores.get("exact_match")))
                .put("v1_f1", round((Double) v1Scores.get("f1")))
                .put("v2_exact", round((Double) v2Scores.get("exact")))
                .put("v2_f1", round((Double) v2Scores.get("f1")))
                .put("train_examples", trainExamples.size())
                .put("train_s", Math.round(result.seconds() * 10) / 10.0)
                .put("examples_per_s", Math.round(result.featuresPerSecond() * 100) / 100.0)
                .put("epochs", Math.round(100.0 * result.steps() / stepsPerEpoch) / 100.0)
                .put("budget_minutes", budget / 60)
                .put("v2_null_threshold", round(threshold))
                .put("threshold_questions", thresholdQuestions.questions().size())
                .put("anchor_bert_base_v1_em", 80.8).put("anchor_bert_base_v1_f1", 88.5)
                .put("anchor_minilm_squad2_v2_exact", 76.1).put("anchor_minilm_squad2_v2_f1", 79.5);
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** The first {@code questions} questions of a data set (whole paragraphs, in order). */
    private static SquadDataset first(SquadDataset dataset, int questions) {
        List<SquadDataset.Article> articles = new ArrayList<>();
        int count = 0;
        for (SquadDataset.Article article : dataset.articles()) {
            List<SquadDataset.Paragraph> paragraphs = new ArrayList<>();
            for (SquadDataset.Paragraph paragraph : article.paragraphs()) {
                if (count >= questions) {
                    break;
                }
                paragraphs.add(paragraph);
                count += paragraph.questions().size();
            }
            if (!paragraphs.isEmpty()) {
                articles.add(new SquadDataset.Article(article.title(), paragraphs));
            }
        }
        return new SquadDataset(dataset.version(), articles);
    }

    /** Questions plus unanswerable pairings, as a v2.0 data set to pick the null threshold on. */
    private static SquadDataset withUnanswerable(SquadDataset questions, List<SquadFeatures.Example> negatives) {
        List<SquadDataset.Article> articles = new ArrayList<>(questions.articles());
        List<SquadDataset.Paragraph> paragraphs = negatives.stream().map(e -> new SquadDataset.Paragraph(e.context(),
                List.of(new SquadDataset.Question(e.id(), e.question(), List.of(), true, List.of())))).toList();
        articles.add(new SquadDataset.Article("unanswerable pairings", paragraphs));
        return new SquadDataset("v2.0", articles);
    }

    private static Path plainOrGzip(Path folder, String name) {
        Path plain = folder.resolve(name);
        return Files.exists(plain) ? plain : folder.resolve(name + ".gz");
    }

}
