package dev.jlm.tasks.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Precision, recall and F1 for multi-label predictions: micro-averaged, macro-averaged and per class. */
public final class MultiLabelMetrics {
    /** Counts and scores of one class. */
    public record PerClass(String name, int truePositives, int falsePositives, int falseNegatives) {
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

    /** The report: micro and macro P/R/F1 and each class's figures. */
    public record Report(double microPrecision, double microRecall, double microF1, double macroPrecision,
                         double macroRecall, double macroF1, List<PerClass> classes) {
    }

    private MultiLabelMetrics() {
    }

    /** {@code gold[i][c]} and {@code predicted[i][c]}: whether example i has class c. */
    public static Report evaluate(List<String> classNames, boolean[][] gold, boolean[][] predicted) {
        int classes = classNames.size();
        int[] tp = new int[classes];
        int[] fp = new int[classes];
        int[] fn = new int[classes];
        for (int i = 0; i < gold.length; i++) {
            for (int c = 0; c < classes; c++) {
                if (gold[i][c] && predicted[i][c]) {
                    tp[c]++;
                } else if (predicted[i][c]) {
                    fp[c]++;
                } else if (gold[i][c]) {
                    fn[c]++;
                }
            }
        }
        List<PerClass> per = new java.util.ArrayList<>();
        long sumTp = 0;
        long sumFp = 0;
        long sumFn = 0;
        double sumP = 0;
        double sumR = 0;
        double sumF = 0;
        for (int c = 0; c < classes; c++) {
            PerClass pc = new PerClass(classNames.get(c), tp[c], fp[c], fn[c]);
            per.add(pc);
            sumTp += tp[c];
            sumFp += fp[c];
            sumFn += fn[c];
            sumP += pc.precision();
            sumR += pc.recall();
            sumF += pc.f1();
        }
        double microP = ratio(sumTp, sumTp + sumFp);
        double microR = ratio(sumTp, sumTp + sumFn);
        return new Report(microP, microR, harmonic(microP, microR), sumP / classes, sumR / classes, sumF / classes, per);
    }

    /** Accuracy of single-label predictions. */
    public static double accuracy(int[] gold, int[] predicted) {
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            correct += gold[i] == predicted[i] ? 1 : 0;
        }
        return ratio(correct, gold.length);
    }

    /** Perplexity from a mean negative log-likelihood in nats. */
    public static double perplexity(double meanNll) {
        return Math.exp(meanNll);
    }

    static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    static double harmonic(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** The report as ordered fields (for JSON). */
    public static Map<String, Object> summary(Report r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("micro_precision", r.microPrecision());
        out.put("micro_recall", r.microRecall());
        out.put("micro_f1", r.microF1());
        out.put("macro_precision", r.macroPrecision());
        out.put("macro_recall", r.macroRecall());
        out.put("macro_f1", r.macroF1());
        return out;
    }
}
