package dev.jlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.cli.LossPlot;
import dev.jlm.cli.ReutersFinetuneCommand;
import dev.jlm.cli.ReutersTrainingOptions;
import dev.jlm.cli.TrainingProgress;
import dev.jlm.models.PretrainedModels;
import dev.jlm.tasks.metrics.ClassificationMetrics;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersFineTuner;
import dev.jlm.tasks.reuters.TfIdfBaseline;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench reuters}: Reuters-21578 ModApte topics (90 categories, 7,769 / 3,019 documents) — the TF-IDF +
 * logistic-regression baseline and all-MiniLM-L6-v2 fine-tuned, micro- and macro-F1 on the test documents, with the
 * literature's anchors.
 */
@Command(name = "reuters", mixinStandardHelpOptions = true,
        description = "Reuters-21578 ModApte topic classification: TF-IDF + logistic regression vs fine-tuned MiniLM.")
public final class ReutersBench implements Callable<Integer> {
    @Option(names = "--quick", description = "Top-10 categories, a fifth of the documents, 30 s of fine-tuning (finishes within 60 s).")
    boolean quick;

    @Mixin
    ReutersTrainingOptions training = new ReutersTrainingOptions();

    @Option(names = "--data", description = "Reuters-21578 folder or .tar.gz (default: " + BenchData.REUTERS_DEFAULT + ").")
    Path data;

    @Option(names = "--out", description = "Output folder for the fine-tuned model, metrics and plot (default: a temporary folder).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path source = BenchData.reuters(data);
        Reuters21578.ModApte split = Reuters21578.modApte(Reuters21578.read(source));
        if (quick) {
            Reuters21578.ModApte top = split.top(10);
            split = new Reuters21578.ModApte(everyFifth(top.train()), everyFifth(top.test()), top.categories());
        }
        TfIdfBaseline.Result tfidf = TfIdfBaseline.trainAndEvaluate(split, TfIdfBaseline.Settings.DEFAULT);

        Path model = PretrainedModels.resolve("sentence-transformers/all-MiniLM-L6-v2");
        ReutersFineTuner.Settings.Builder settings = training.applyTo(ReutersFineTuner.Settings.builder());
        if (quick) {
            settings.epochs(1).maxSeconds(30);
        }
        Path dir = out != null ? out : Files.createTempDirectory("jlm-reuters");
        ReutersFineTuner tuner = new ReutersFineTuner(model, Tokenizers.load(model.resolve("tokenizer.json").toString()), split,
                settings.build(), dir);
        LossPlot plot = new LossPlot(dir.resolve("loss.png"), ReutersFinetuneCommand.TITLE);
        ReutersFineTuner.Result tuned;
        try (TrainingProgress progress = new TrainingProgress(ReutersFinetuneCommand.TITLE, !quick, null)) {
            tuned = tuner.run(split.test(), progress, plot);
        }

        System.out.printf("Reuters-21578 ModApte: %,d training / %,d test documents, %d categories%n", split.train().size(),
                split.test().size(), split.categories().size());
        System.out.printf("fine-tuning: %d steps (%.2f epochs) in %.1f min, %,.0f tokens/s, final loss %.4f; plot %s%n",
                tuned.steps(), (double) tuned.steps() / tuner.stepsPerEpoch(), tuned.seconds() / 60, tuned.tokensPerSecond(),
                tuned.finalLoss(), plot.file());
        System.out.println("MiniLM fine-tuned, per category:");
        System.out.print(tuned.report().table());
        System.out.printf("%-44s %9s %9s%n", "", "micro-F1", "macro-F1");
        row("TF-IDF + logistic regression (jlm)", tfidf.report());
        row("all-MiniLM-L6-v2 fine-tuned (jlm)", tuned.report());
        System.out.printf("%-44s %9s %9s%n", "anchor: linear SVM (Joachims)", "0.867-0.875", "");
        System.out.printf("%-44s %9s %9s%n", "anchor: kNN", "0.826-0.857", "");

        ObjectNode json = new ObjectMapper().createObjectNode().put("bench", "reuters")
                .put("tfidf_micro_f1", round(tfidf.report().microF1()))
                .put("tfidf_macro_f1", round(tfidf.report().macroF1()))
                .put("finetuned_micro_f1", round(tuned.report().microF1()))
                .put("finetuned_macro_f1", round(tuned.report().macroF1()))
                .put("categories", split.categories().size())
                .put("epochs", Math.round(100.0 * tuned.steps() / tuner.stepsPerEpoch()) / 100.0)
                .put("train_s", Math.round(tuned.seconds() * 10) / 10.0)
                .put("tokens_per_s", Math.round(tuned.tokensPerSecond()))
                .put("tfidf_train_s", Math.round(tfidf.trainSeconds() * 10) / 10.0)
                .put("anchor_svm_micro_f1_low", 0.867).put("anchor_svm_micro_f1_high", 0.875)
                .put("anchor_knn_micro_f1_low", 0.826).put("anchor_knn_micro_f1_high", 0.857);
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }

    private static <T> java.util.List<T> everyFifth(java.util.List<T> items) {
        return java.util.stream.IntStream.range(0, items.size()).filter(i -> i % 5 == 0).mapToObj(items::get).toList();
    }

    private static void row(String name, ClassificationMetrics.Report report) {
        System.out.printf("%-44s %9.4f %9.4f%n", name, report.microF1(), report.macroF1());
    }

    private static double round(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
