package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tasks.metrics.ClassificationMetrics;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.tasks.reuters.ReutersFineTuner;
import dev.jlm.tasks.squad.SquadEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm eval ...}: standard metrics on any system's predictions. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Score predictions with standard metrics.",
        subcommands = {EvalCommand.Squad.class, EvalCommand.Reuters.class})
public final class EvalCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code jlm eval squad}: the official SQuAD v1.1 / v2.0 evaluation, number for number. */
    @Command(name = "squad", mixinStandardHelpOptions = true,
            description = {"SQuAD exact match and F1 exactly as the official evaluate-v1.1.py / evaluate-v2.0.py; the "
                    + "data file's \"version\" picks the script.",
                    "Questions missing from the predictions are reported on standard error (v1.1: they score 0)."})
    public static final class Squad implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "SQuAD data set JSON (dev-v1.1.json, dev-v2.0.json, …).")
        Path data;
        @Option(names = "--predictions", required = true, description = "JSON object: question id → predicted answer text.")
        Path predictions;
        @Option(names = "--na-prob", description = "v2.0: JSON object of question id → probability of no answer; adds the "
                + "best thresholds (best_exact, best_f1).")
        Path naProb;
        @Option(names = "--json", description = "Print the official script's JSON object (same keys, same order) as the "
                + "last line.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> result = SquadEvaluation.evaluate(data, predictions, naProb, System.err);
            print(result, data.getFileName().toString(), json);
            return 0;
        }

        /** The scores as a table, or with {@code json} as the official script's JSON object on one line. */
        static void print(Map<String, Object> result, String dataName, boolean json) throws java.io.IOException {
            if (json) {
                System.out.println(new ObjectMapper().writeValueAsString(result));
                return;
            }
            System.out.println("SQuAD " + (result.containsKey("exact_match") ? "v1.1" : "v2.0") + " — " + dataName);
            result.forEach((key, value) -> System.out.println(String.format(Locale.ROOT, "  %-18s %s", key,
                    value instanceof Integer count ? String.format(Locale.ROOT, "%,d", count)
                            : key.endsWith("_thresh") ? String.format(Locale.ROOT, "%.6f", (Double) value)
                            : String.format(Locale.ROOT, "%.4f", (Double) value))));
        }
    }

    /** {@code jlm eval reuters}: a fine-tuned Reuters classifier on the ModApte test documents. */
    @Command(name = "reuters", mixinStandardHelpOptions = true,
            description = "Micro/macro precision, recall and F1 and the per-category table of a model from 'jlm finetune "
                    + "reuters' on the ModApte test documents (its categories, its thresholds).")
    public static final class Reuters implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "Fine-tuned model directory (with --adapter: its base).")
        Path model;
        @Option(names = "--data", description = "Folder of reut2-NNN.sgm files or reuters21578.tar.gz (default: reuters21578 "
                + "under $JLM_DATA or ~/.cache/jlm/data).")
        Path data;
        @Option(names = "--json", description = "Print the summary as one JSON object (last line).")
        boolean json;
        @Option(names = "--adapter", description = "The adapter folder 'jlm finetune reuters --peft …' wrote, applied to --model.")
        Path adapter;

        @Override
        public Integer call() throws Exception {
            ReutersFineTuner.Classifier classifier = ReutersFineTuner.Classifier.load(model, adapter);
            Path source = data != null ? data
                    : DataCommand.Reuters.defaultSource(System.getenv("JLM_DATA"), Path.of(System.getProperty("user.home")));
            List<ReutersDocument> test = Reuters21578.modApte(Reuters21578.read(source)).restrictedTo(classifier.categories()).test();
            ClassificationMetrics.Report report = classifier.evaluate(test, 16);
            if (json) {
                Map<String, Object> out = new java.util.LinkedHashMap<>();
                out.put("documents", test.size());
                out.put("categories", classifier.categories().size());
                out.putAll(report.summary());
                System.out.println(new ObjectMapper().writeValueAsString(out));
            } else {
                System.out.printf(Locale.ROOT, "Reuters-21578 ModApte test: %,d documents, %d categories%n", test.size(),
                        classifier.categories().size());
                System.out.print(report.table());
            }
            return 0;
        }
    }
}
