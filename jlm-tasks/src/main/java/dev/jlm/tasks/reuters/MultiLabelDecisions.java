package dev.jlm.tasks.reuters;

import dev.jlm.tasks.metrics.ClassificationMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-label decisions from per-category probabilities: thresholds chosen on a validation slice, and the assignment
 * of categories to documents. Shared by every Reuters classifier so that they are compared on equal terms.
 */
public final class MultiLabelDecisions {
    private MultiLabelDecisions() {
    }

    /** How the probability from which a category is assigned is chosen. */
    public enum Thresholds {
        /** 0.5 for every category. */
        FIXED,
        /** One threshold for all categories, the best for micro-F1 on the validation slice. */
        GLOBAL,
        /**
         * Each category's best for its own F1 on the validation slice, where the slice holds at least
         * {@value #MIN_POSITIVES_FOR_OWN_THRESHOLD} of its documents; the global one elsewhere (a threshold fitted to
         * one or two documents is noise).
         */
        PER_CATEGORY
    }

    static final int MIN_POSITIVES_FOR_OWN_THRESHOLD = 10;

    /** Categories at or above their threshold, or the most probable one if none is. */
    static boolean[][] assign(double[][] probabilities, double[] thresholds) {
        boolean[][] out = new boolean[probabilities.length][thresholds.length];
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            boolean any = false;
            for (int c = 0; c < thresholds.length; c++) {
                out[i][c] = probabilities[i][c] >= thresholds[c];
                any |= out[i][c];
                best = probabilities[i][c] > probabilities[i][best] ? c : best;
            }
            out[i][best] |= !any;
        }
        return out;
    }

    private static final double[] CANDIDATES = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7,
            0.75, 0.8, 0.85, 0.9, 0.95};

    static double[] chooseThresholds(double[][] probabilities, boolean[][] gold, Thresholds how) {
        int categories = gold.length == 0 ? 0 : gold[0].length;
        double global = 0.5;
        double bestMicro = -1;
        for (double t : CANDIDATES) {
            double[] all = new double[categories];
            Arrays.fill(all, t);
            double micro = ClassificationMetrics.multiLabel(names(categories), gold, assign(probabilities, all)).microF1();
            if (micro > bestMicro) {
                bestMicro = micro;
                global = t;
            }
        }
        double[] out = new double[categories];
        Arrays.fill(out, global);
        if (how == Thresholds.PER_CATEGORY) {
            for (int c = 0; c < categories; c++) {
                int positives = 0;
                for (boolean[] row : gold) {
                    positives += row[c] ? 1 : 0;
                }
                double bestF1 = -1;
                for (double t = 0.05; positives >= MIN_POSITIVES_FOR_OWN_THRESHOLD && t < 0.96; t += 0.05) {
                    int tp = 0;
                    int fp = 0;
                    for (int i = 0; i < gold.length; i++) {
                        boolean p = probabilities[i][c] >= t;
                        tp += p && gold[i][c] ? 1 : 0;
                        fp += p && !gold[i][c] ? 1 : 0;
                    }
                    double f1 = 2.0 * tp / (tp + fp + positives);
                    if (f1 > bestF1) {
                        bestF1 = f1;
                        out[c] = t;
                    }
                }
            }
        }
        return out;
    }

    private static List<String> names(int categories) {
        List<String> out = new ArrayList<>();
        for (int c = 0; c < categories; c++) {
            out.add(String.valueOf(c));
        }
        return out;
    }

    static boolean[][] labels(List<ReutersDocument> documents, List<String> categories) {
        Map<String, Integer> index = new HashMap<>();
        for (int c = 0; c < categories.size(); c++) {
            index.put(categories.get(c), c);
        }
        boolean[][] out = new boolean[documents.size()][categories.size()];
        for (int i = 0; i < documents.size(); i++) {
            for (String topic : documents.get(i).topics()) {
                Integer c = index.get(topic);
                if (c != null) {
                    out[i][c] = true;
                }
            }
        }
        return out;
    }
}
