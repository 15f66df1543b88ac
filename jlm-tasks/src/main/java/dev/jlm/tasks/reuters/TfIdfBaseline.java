package dev.jlm.tasks.reuters;

import dev.jlm.tasks.reuters.MultiLabelDecisions.Thresholds;

import dev.jlm.tasks.metrics.ClassificationMetrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The classical reference point for Reuters topic classification: TF-IDF document vectors (sublinear term frequency,
 * smoothed idf, L2-normalized, as scikit-learn's TfidfVectorizer with sublinear_tf) and one L2-regularized logistic
 * regression per category (one-vs-rest), each fitted to convergence with L-BFGS, categories in parallel. A document gets
 * every category whose probability reaches the threshold, and its most probable category if none does (every ModApte
 * document has at least one). The threshold is chosen on a validation slice of the training documents (a model fitted
 * on the rest scores it), then the models are refitted on all training documents.
 */
public final class TfIdfBaseline {
    /**
     * @param c               inverse regularization strength as scikit-learn's C: minimize C·Σ log-loss + ½‖w‖²; weak
     *                        regularization (C = 1000) suits the nearly separable Reuters categories
     * @param minDf           keep terms in at least this many training documents
     * @param thresholds      how the decision thresholds are chosen
     * @param validationEvery every k-th training document forms the validation slice (not used with FIXED)
     * @param maxIterations   L-BFGS iterations per category at most
     * @param threads         categories trained at once
     */
    public record Settings(double c, int minDf, Thresholds thresholds, int validationEvery, int maxIterations, int threads) {
        public static final Settings DEFAULT = new Settings(1000, 1, Thresholds.GLOBAL, 5, 300,
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * The evaluation on the test documents, each category's threshold, the number of features, and the time spent
     * choosing thresholds and training (seconds) and evaluating.
     */
    public record Result(ClassificationMetrics.Report report, double[] thresholds, int features, double trainSeconds,
                         double evaluateSeconds) {
    }

    /** A sparse matrix in compressed rows: row i holds columns[rowStart[i] .. rowStart[i+1]). */
    private record Rows(int[] rowStart, int[] columns, double[] values) {
        int size() {
            return rowStart.length - 1;
        }

        double dot(int row, double[] w) {
            double z = w[w.length - 1]; // the bias is the last weight
            for (int k = rowStart[row]; k < rowStart[row + 1]; k++) {
                z += values[k] * w[columns[k]];
            }
            return z;
        }
    }

    private final Map<String, Integer> vocabulary = new HashMap<>();
    private double[] idf;
    private double[][] weights; // per category: term weights, then the bias

    private TfIdfBaseline() {
    }

    /** Trains on {@code split.train()} and evaluates on {@code split.test()} over {@code split.categories()}. */
    public static Result trainAndEvaluate(Reuters21578.ModApte split, Settings settings) throws InterruptedException {
        long start = System.nanoTime();
        List<String> categories = split.categories();
        double[] thresholds = new double[categories.size()];
        Arrays.fill(thresholds, 0.5);
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads());
        try {
            if (settings.thresholds() != Thresholds.FIXED) {
                List<ReutersDocument> fit = new ArrayList<>();
                List<ReutersDocument> validation = new ArrayList<>();
                for (int i = 0; i < split.train().size(); i++) {
                    (i % settings.validationEvery() == 0 ? validation : fit).add(split.train().get(i));
                }
                TfIdfBaseline model = train(fit, categories, settings, pool);
                thresholds = MultiLabelDecisions.chooseThresholds(model.probabilities(validation), MultiLabelDecisions.labels(validation, categories), settings.thresholds());
            }
            TfIdfBaseline model = train(split.train(), categories, settings, pool);
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            boolean[][] predicted = MultiLabelDecisions.assign(model.probabilities(split.test()), thresholds);
            ClassificationMetrics.Report report = ClassificationMetrics.multiLabel(categories, MultiLabelDecisions.labels(split.test(), categories), predicted);
            return new Result(report, thresholds, model.idf.length, trainSeconds, (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The vectorizer fitted on {@code documents} and one logistic regression per category. */
    private static TfIdfBaseline train(List<ReutersDocument> documents, List<String> categories, Settings settings,
                                       ExecutorService pool) throws InterruptedException {
        TfIdfBaseline model = new TfIdfBaseline();
        model.fitVocabulary(documents, settings.minDf());
        Rows x = model.transform(documents);
        boolean[][] gold = MultiLabelDecisions.labels(documents, categories);
        List<Future<double[]>> fits = new ArrayList<>();
        for (int c = 0; c < categories.size(); c++) {
            int category = c;
            fits.add(pool.submit(() -> fitLogisticRegression(x, model.idf.length, gold, category, settings)));
        }
        model.weights = new double[categories.size()][];
        for (int c = 0; c < categories.size(); c++) {
            try {
                model.weights[c] = fits.get(c).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("training category '" + categories.get(c) + "' failed", e.getCause());
            }
        }
        return model;
    }

    /** P(category | document) for each document and category. */
    private double[][] probabilities(List<ReutersDocument> documents) {
        Rows x = transform(documents);
        double[][] out = new double[x.size()][weights.length];
        for (int i = 0; i < x.size(); i++) {
            for (int c = 0; c < weights.length; c++) {
                out[i][c] = sigmoid(x.dot(i, weights[c]));
            }
        }
        return out;
    }

    /** Lower-cased runs of letters and digits. */
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

    /** Vocabulary and smoothed idf, ln((1 + n) / (1 + df)) + 1, from the training documents. */
    private void fitVocabulary(List<ReutersDocument> train, int minDf) {
        Map<String, Integer> df = new HashMap<>();
        for (ReutersDocument d : train) {
            new HashSet<>(tokens(d.text())).forEach(t -> df.merge(t, 1, Integer::sum));
        }
        List<String> terms = df.entrySet().stream().filter(e -> e.getValue() >= minDf).map(Map.Entry::getKey).sorted().toList();
        idf = new double[terms.size()];
        for (int i = 0; i < terms.size(); i++) {
            vocabulary.put(terms.get(i), i);
            idf[i] = Math.log((1.0 + train.size()) / (1.0 + df.get(terms.get(i)))) + 1;
        }
    }

    /** TF-IDF rows: (1 + ln tf) · idf over the known terms, scaled to unit length. */
    private Rows transform(List<ReutersDocument> documents) {
        int[] rowStart = new int[documents.size() + 1];
        List<int[]> columns = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            Map<Integer, Integer> counts = new HashMap<>();
            for (String t : tokens(documents.get(i).text())) {
                Integer id = vocabulary.get(t);
                if (id != null) {
                    counts.merge(id, 1, Integer::sum);
                }
            }
            int[] terms = counts.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
            double[] weights = new double[terms.length];
            double norm = 0;
            for (int k = 0; k < terms.length; k++) {
                weights[k] = (1 + Math.log(counts.get(terms[k]))) * idf[terms[k]];
                norm += weights[k] * weights[k];
            }
            for (int k = 0; k < terms.length; k++) {
                weights[k] /= norm == 0 ? 1 : Math.sqrt(norm);
            }
            columns.add(terms);
            values.add(weights);
            rowStart[i + 1] = rowStart[i] + terms.length;
        }
        int[] allColumns = new int[rowStart[documents.size()]];
        double[] allValues = new double[allColumns.length];
        for (int i = 0; i < documents.size(); i++) {
            System.arraycopy(columns.get(i), 0, allColumns, rowStart[i], columns.get(i).length);
            System.arraycopy(values.get(i), 0, allValues, rowStart[i], values.get(i).length);
        }
        return new Rows(rowStart, allColumns, allValues);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * Minimizes C·Σ log(1 + exp(−y·(w·x + b))) + ½‖w‖² (bias not regularized) with L-BFGS (10 correction pairs,
     * backtracking Armijo line search) until the largest gradient entry is below 1e-5 · C · n or the iterations run out.
     */
    private static double[] fitLogisticRegression(Rows x, int features, boolean[][] gold, int category, Settings s) {
        int n = x.size();
        int dims = features + 1;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = gold[i][category] ? 1 : -1;
        }
        return Lbfgs.minimize(new Objective(x, y, s.c()), new double[dims], s.maxIterations(), 1e-5 * s.c() * n);
    }

    /** The regularized logistic loss; the bias is the last weight. */
    private record Objective(Rows x, double[] y, double c) implements Lbfgs.Function {
        @Override
        public double evaluate(double[] w, double[] gradient) {
            Arrays.fill(gradient, 0);
            double loss = 0;
            for (int i = 0; i < x.size(); i++) {
                double margin = y[i] * x.dot(i, w);
                // log(1 + exp(-m)) = max(-m, 0) + log(1 + exp(-|m|)) never overflows; its derivative is -1 / (1 + exp(m))
                double e = Math.exp(-Math.abs(margin));
                loss += Math.max(-margin, 0) + Math.log1p(e);
                double r = -y[i] * c * (margin > 0 ? e / (1 + e) : 1 / (1 + e));
                for (int k = x.rowStart()[i]; k < x.rowStart()[i + 1]; k++) {
                    gradient[x.columns()[k]] += r * x.values()[k];
                }
                gradient[w.length - 1] += r;
            }
            double squares = 0;
            for (int j = 0; j < w.length - 1; j++) {
                squares += w[j] * w[j];
                gradient[j] += w[j];
            }
            return c * loss + 0.5 * squares;
        }
    }
}
