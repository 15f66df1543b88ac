package dev.jlm.tasks.reuters;

import dev.jlm.tasks.metrics.ClassificationMetrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The classical reference point for topic classification: TF-IDF document vectors (sublinear term frequency,
 * smoothed idf, L2-normalized) and one L2-regularized logistic regression per category (one-vs-rest), trained with
 * per-feature AdaGrad steps; each category's decision threshold is tuned for F1 on a validation slice of the training
 * documents.
 */
public final class TfIdfBaseline {
    /** A sparse, L2-normalized document vector. */
    record Vector(int[] terms, float[] weights) {
    }

    private final Map<String, Integer> vocabulary = new HashMap<>();
    private float[] idf;

    /** Training settings. */
    public record Settings(int epochs, double l2, double learningRate, double validationShare, long seed) {
        public static final Settings DEFAULT = new Settings(60, 3e-4, 0.5, 0.1, 1);
    }

    /** Trains on {@code train}, evaluates on {@code test} over {@code categories}. */
    public static ClassificationMetrics.Report trainAndEvaluate(List<ReutersDocument> train, List<ReutersDocument> test,
                                                            List<String> categories, Settings settings) {
        TfIdfBaseline model = new TfIdfBaseline();
        model.fitVocabulary(train);
        List<Vector> trainVectors = train.stream().map(d -> model.vector(d.text())).toList();
        List<Vector> testVectors = test.stream().map(d -> model.vector(d.text())).toList();
        int features = model.idf.length;
        boolean[][] gold = labels(test, categories);
        boolean[][] trainGold = labels(train, categories);
        boolean[][] predicted = new boolean[test.size()][categories.size()];
        // Validation slice: every k-th training document, used only to choose thresholds.
        int step = (int) Math.round(1 / settings.validationShare());
        IntStream.range(0, categories.size()).parallel().forEach(c -> {
            List<Integer> fitIds = new ArrayList<>();
            List<Integer> validIds = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                (i % step == 0 ? validIds : fitIds).add(i);
            }
            double[] w = new double[features + 1];
            fit(w, trainVectors, trainGold, c, fitIds, settings);
            double threshold = bestThreshold(w, trainVectors, trainGold, c, validIds);
            // Refit on all training documents, keeping the tuned threshold.
            java.util.Arrays.fill(w, 0);
            List<Integer> all = new ArrayList<>(fitIds);
            all.addAll(validIds);
            fit(w, trainVectors, trainGold, c, all, settings);
            for (int i = 0; i < testVectors.size(); i++) {
                predicted[i][c] = probability(w, testVectors.get(i)) >= threshold;
            }
        });
        return ClassificationMetrics.multiLabel(categories, gold, predicted);
    }

    private static boolean[][] labels(List<ReutersDocument> documents, List<String> categories) {
        boolean[][] out = new boolean[documents.size()][categories.size()];
        for (int i = 0; i < documents.size(); i++) {
            for (String topic : documents.get(i).topics()) {
                int c = categories.indexOf(topic);
                if (c >= 0) {
                    out[i][c] = true;
                }
            }
        }
        return out;
    }

    /** Lower-cased alphanumeric runs. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        String lower = text.toLowerCase(Locale.ROOT);
        int start = -1;
        for (int i = 0; i <= lower.length(); i++) {
            boolean word = i < lower.length() && Character.isLetterOrDigit(lower.charAt(i));
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                out.add(lower.substring(start, i));
                start = -1;
            }
        }
        return out;
    }

    private void fitVocabulary(List<ReutersDocument> train) {
        Map<String, Integer> df = new HashMap<>();
        for (ReutersDocument d : train) {
            new java.util.HashSet<>(tokens(d.text())).forEach(t -> df.merge(t, 1, Integer::sum));
        }
        List<String> terms = df.entrySet().stream().filter(e -> e.getValue() >= 2).map(Map.Entry::getKey).sorted().toList();
        idf = new float[terms.size()];
        int n = train.size();
        for (int i = 0; i < terms.size(); i++) {
            vocabulary.put(terms.get(i), i);
            idf[i] = (float) (Math.log((1.0 + n) / (1.0 + df.get(terms.get(i)))) + 1);
        }
    }

    Vector vector(String text) {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        for (String t : tokens(text)) {
            Integer id = vocabulary.get(t);
            if (id != null) {
                counts.merge(id, 1, Integer::sum);
            }
        }
        int[] terms = new int[counts.size()];
        float[] weights = new float[counts.size()];
        double norm = 0;
        int k = 0;
        for (var e : counts.entrySet()) {
            terms[k] = e.getKey();
            weights[k] = (float) ((1 + Math.log(e.getValue())) * idf[e.getKey()]);
            norm += weights[k] * weights[k];
            k++;
        }
        float scale = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < k; i++) {
            weights[i] *= scale;
        }
        return new Vector(terms, weights);
    }

    private static double probability(double[] w, Vector x) {
        double z = w[w.length - 1];
        for (int i = 0; i < x.terms().length; i++) {
            z += w[x.terms()[i]] * x.weights()[i];
        }
        return 1 / (1 + Math.exp(-z));
    }

    /** Logistic regression for one category by AdaGrad over shuffled documents. */
    private static void fit(double[] w, List<Vector> xs, boolean[][] gold, int c, List<Integer> ids, Settings s) {
        double[] squared = new double[w.length];
        SplittableRandom random = new SplittableRandom(s.seed() + c);
        int[] order = ids.stream().mapToInt(Integer::intValue).toArray();
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            for (int id : order) {
                Vector x = xs.get(id);
                double error = probability(w, x) - (gold[id][c] ? 1 : 0);
                for (int k = 0; k < x.terms().length; k++) {
                    int f = x.terms()[k];
                    double g = error * x.weights()[k] + s.l2() * w[f];
                    squared[f] += g * g;
                    w[f] -= s.learningRate() * g / Math.sqrt(squared[f] + 1e-8);
                }
                int b = w.length - 1;
                squared[b] += error * error;
                w[b] -= s.learningRate() * error / Math.sqrt(squared[b] + 1e-8);
            }
        }
    }

    /** The probability threshold with the best F1 on the validation documents (0.5 when they hold no positive). */
    private static double bestThreshold(double[] w, List<Vector> xs, boolean[][] gold, int c, List<Integer> ids) {
        int positives = (int) ids.stream().filter(i -> gold[i][c]).count();
        if (positives == 0) {
            return 0.5;
        }
        double best = 0.5;
        double bestF1 = -1;
        for (double t = 0.05; t < 0.951; t += 0.05) {
            int tp = 0;
            int fp = 0;
            for (int i : ids) {
                boolean p = probability(w, xs.get(i)) >= t;
                tp += p && gold[i][c] ? 1 : 0;
                fp += p && !gold[i][c] ? 1 : 0;
            }
            double f1 = 2.0 * tp / (2.0 * tp + fp + (positives - tp));
            if (f1 > bestF1) {
                bestF1 = f1;
                best = t;
            }
        }
        return best;
    }
}
