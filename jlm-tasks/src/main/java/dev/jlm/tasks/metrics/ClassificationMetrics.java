package dev.jlm.tasks.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Classification metrics as scikit-learn defines them: accuracy, and precision, recall and F1 per class, micro-averaged
 * (from the summed counts) and macro-averaged (the unweighted mean of the per-class figures), with 0 wherever a ratio
 * has nothing to divide by. Multi-label predictions are boolean matrices [example][class].
 */
public final class ClassificationMetrics {
    /** Counts and scores of one class; support is the number of examples that truly have it. */
    public record PerClass(String name, int truePositives, int falsePositives, int falseNegatives) {
        public int support() {
            return truePositives + falseNegatives;
        }

        public double precision() {
            return ratio(truePositives, truePositives + falsePositives);
        }

        public double recall() {
            return ratio(truePositives, truePositives + falseNegatives);
        }

        public double f1() {
            return harmonic(precision(), recall());
        }
    }

    /**
     * Accuracy (single-label: the share of examples predicted right; multi-label: the share whose whole label set is
     * right), micro and macro P/R/F1, and each class's figures.
     */
    public record Report(double accuracy, double microPrecision, double microRecall, double microF1, double macroPrecision,
                         double macroRecall, double macroF1, List<PerClass> classes) {

        /** The figures as ordered JSON-ready fields. */
        public Map<String, Object> summary() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("accuracy", accuracy);
            out.put("micro_precision", microPrecision);
            out.put("micro_recall", microRecall);
            out.put("micro_f1", microF1);
            out.put("macro_precision", macroPrecision);
            out.put("macro_recall", macroRecall);
            out.put("macro_f1", macroF1);
            return out;
        }

        /** A per-class table (most frequent first) followed by the micro and macro averages. */
        public String table() {
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-18s %8s %9s %9s %9s%n", "class", "support",
                    "precision", "recall", "F1"));
            classes.stream().sorted((a, b) -> Integer.compare(b.support(), a.support())).forEach(c -> out.append(String.format(
                    Locale.ROOT, "%-18s %8d %9.4f %9.4f %9.4f%n", c.name(), c.support(), c.precision(), c.recall(), c.f1())));
            out.append(String.format(Locale.ROOT, "%-18s %8s %9.4f %9.4f %9.4f%n", "micro average", "", microPrecision,
                    microRecall, microF1));
            out.append(String.format(Locale.ROOT, "%-18s %8s %9.4f %9.4f %9.4f%n", "macro average", "", macroPrecision,
                    macroRecall, macroF1));
            return out.toString();
        }
    }

    private ClassificationMetrics() {
    }

    /** {@code gold[i][c]} and {@code predicted[i][c]}: whether example i has class c. */
    public static Report multiLabel(List<String> classNames, boolean[][] gold, boolean[][] predicted) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold rows but " + predicted.length + " predicted rows");
        }
        int classes = classNames.size();
        int[] tp = new int[classes];
        int[] fp = new int[classes];
        int[] fn = new int[classes];
        int exact = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i].length != classes || predicted[i].length != classes) {
                throw new IllegalArgumentException("row " + i + " does not have " + classes + " classes");
            }
            boolean allRight = true;
            for (int c = 0; c < classes; c++) {
                tp[c] += gold[i][c] && predicted[i][c] ? 1 : 0;
                fp[c] += !gold[i][c] && predicted[i][c] ? 1 : 0;
                fn[c] += gold[i][c] && !predicted[i][c] ? 1 : 0;
                allRight &= gold[i][c] == predicted[i][c];
            }
            exact += allRight ? 1 : 0;
        }
        return report(classNames, tp, fp, fn, ratio(exact, gold.length));
    }

    /** Single-label: {@code gold[i]} and {@code predicted[i]} are class indices into {@code classNames}. */
    public static Report singleLabel(List<String> classNames, int[] gold, int[] predicted) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold labels but " + predicted.length + " predictions");
        }
        int classes = classNames.size();
        int[] tp = new int[classes];
        int[] fp = new int[classes];
        int[] fn = new int[classes];
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            if (gold[i] < 0 || gold[i] >= classes || predicted[i] < 0 || predicted[i] >= classes) {
                throw new IllegalArgumentException("example " + i + ": class index out of 0.." + (classes - 1));
            }
            if (gold[i] == predicted[i]) {
                tp[gold[i]]++;
                correct++;
            } else {
                fp[predicted[i]]++;
                fn[gold[i]]++;
            }
        }
        return report(classNames, tp, fp, fn, ratio(correct, gold.length));
    }

    private static Report report(List<String> classNames, int[] tp, int[] fp, int[] fn, double accuracy) {
        List<PerClass> per = new ArrayList<>();
        long sumTp = 0;
        long sumFp = 0;
        long sumFn = 0;
        double sumP = 0;
        double sumR = 0;
        double sumF = 0;
        for (int c = 0; c < classNames.size(); c++) {
            PerClass pc = new PerClass(classNames.get(c), tp[c], fp[c], fn[c]);
            per.add(pc);
            sumTp += tp[c];
            sumFp += fp[c];
            sumFn += fn[c];
            sumP += pc.precision();
            sumR += pc.recall();
            sumF += pc.f1();
        }
        int classes = classNames.size();
        double microP = ratio(sumTp, sumTp + sumFp);
        double microR = ratio(sumTp, sumTp + sumFn);
        return new Report(accuracy, microP, microR, harmonic(microP, microR), sumP / classes, sumR / classes, sumF / classes,
                List.copyOf(per));
    }

    /** Perplexity from a mean negative log-likelihood in nats per token. */
    public static double perplexity(double meanNll) {
        return Math.exp(meanNll);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    private static double harmonic(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
}
