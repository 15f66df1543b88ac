package dev.jlm.cli;

import dev.jlm.models.PretrainedModels;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersFineTuner;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm finetune reuters}: multi-label topic classification on the Reuters-21578 ModApte split. */
@Command(name = "reuters", mixinStandardHelpOptions = true,
        description = {"Fine-tune a BERT-family encoder for Reuters-21578 topics (ModApte, 90 categories): sigmoid outputs, "
                + "binary cross-entropy, per-category thresholds chosen on a held-out tenth of the training documents; "
                + "then scores the test documents.", "Resumes from OUT/last when a run was interrupted."})
public final class ReutersFinetuneCommand implements Callable<Integer> {
    public static final String TITLE = "Reuters fine-tuning";

    @Option(names = "--model", description = "Pretrained encoder directory or offline name (default: ${DEFAULT-VALUE}).")
    String model = "sentence-transformers/all-MiniLM-L6-v2";
    @Option(names = "--data", description = "Folder of reut2-NNN.sgm files or reuters21578.tar.gz (default: reuters21578 "
            + "under $JLM_DATA or ~/.cache/jlm/data).")
    Path data;
    @Option(names = "--top", description = "Only the N categories with the most training documents (ModApte top-10: 10).")
    Integer top;
    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "reuters");
    @Option(names = "--minutes", description = "Stop training after this many minutes (default: no limit).")
    double minutes = ReutersFineTuner.Settings.DEFAULTS.maxSeconds() / 60;
    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;
    @Mixin
    ReutersTrainingOptions training = new ReutersTrainingOptions();
    @Mixin
    PeftOptions peft = new PeftOptions();

    @Override
    public Integer call() throws Exception {
        if (training.epochs < 1 || training.batchSize < 1 || training.maxLength < 3 || !(training.learningRate > 0)
                || !(training.headScale > 0)) {
            throw new IllegalArgumentException("--epochs, --batch-size, --learning-rate and --head-lr-scale must be positive, "
                    + "--max-length at least 3");
        }
        Reuters21578.ModApte split = Reuters21578.modApte(Reuters21578.read(data != null ? data
                : DataCommand.Reuters.defaultSource(System.getenv("JLM_DATA"), Path.of(System.getProperty("user.home")))));
        if (top != null) {
            if (top < 1) {
                throw new IllegalArgumentException("--top must be positive (got " + top + ")");
            }
            split = split.top(top);
        }
        Path pretrained = PretrainedModels.resolve(model);
        Path tokenizerFile = pretrained.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new IllegalArgumentException(pretrained + ": no tokenizer.json");
        }
        ReutersFineTuner.Settings settings = training.applyTo(ReutersFineTuner.Settings.builder()).maxSeconds(minutes * 60)
                .peft(peft.peftConfig("query,value", List.of("classifier"), "SEQ_CLS", false, pretrained.toString()))
                .build();
        ReutersFineTuner tuner = new ReutersFineTuner(pretrained, Tokenizers.load(tokenizerFile.toString()), split, settings, out);
        System.out.printf("%,d training documents (a tenth held out for thresholds), %d categories; %d epoch(s) of %,d steps%n",
                split.train().size(), split.categories().size(), settings.epochs(), tuner.stepsPerEpoch());
        if (tuner.peft() != null) {
            System.out.println(tuner.peft().description() + ": " + tuner.peft().trainableParametersSummary());
        }
        LossPlot plot = new LossPlot(out.resolve("loss.png"), TITLE);
        ReutersFineTuner.Result result;
        try (TrainingProgress progress = new TrainingProgress(TITLE, !quiet, null)) {
            result = tuner.run(split.test(), progress, plot);
        }
        System.out.printf("%d steps in %.0f s (%,.0f tokens/s), final loss %.4f%n", result.steps(), result.seconds(),
                result.tokensPerSecond(), result.finalLoss());
        System.out.printf("test (%,d documents): micro-F1 %.4f, macro-F1 %.4f%n", split.test().size(), result.report().microF1(),
                result.report().macroF1());
        if (tuner.peft() != null) {
            System.out.println("adapter: " + out + "   plot: " + plot.file() + "   per-category table: jlm eval reuters --model "
                    + model + " --adapter " + out);
        } else {
            System.out.println("model: " + out + "   plot: " + plot.file() + "   per-category table: jlm eval reuters --model " + out);
        }
        return 0;
    }
}
