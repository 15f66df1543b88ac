package dev.jlm.tasks.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Corpus BLEU exactly as sacrebleu's {@code corpus_bleu} / {@code BLEU().corpus_score}: the mteval-v13a tokenizer,
 * clipped n-gram counts against the per-n-gram maximum over a segment's references, the closest reference length
 * (shorter on ties) for the brevity penalty, and its smoothing methods (default "exp", NIST's geometric halving).
 */
public final class Bleu {
    public enum Tokenize { THIRTEEN_A, NONE }

    public enum Smoothing { NONE, FLOOR, ADD_K, EXP }

    /**
     * sacrebleu's options. {@code smoothValue} null means the method's default (floor 0.1, add-k 1).
     * {@code effectiveOrder} stops the geometric mean at the highest order the hypotheses have n-grams of.
     */
    public record Settings(boolean lowercase, Tokenize tokenize, Smoothing smoothing, Double smoothValue,
                           int maxNgramOrder, boolean effectiveOrder) {
        public static final Settings DEFAULT = new Settings(false, Tokenize.THIRTEEN_A, Smoothing.EXP, null, 4, false);

        public Settings withMaxNgramOrder(int order) {
            return new Settings(lowercase, tokenize, smoothing, smoothValue, order, effectiveOrder);
        }
    }

    /**
     * The score (0..100) and its sufficient statistics; {@link #toString()} prints sacrebleu's line, e.g.
     * {@code BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)}.
     */
    public record Score(double score, double[] counts, double[] totals, double[] precisions, double bp, long sysLen,
                        long refLen) {
        public double ratio() {
            return refLen == 0 ? 0 : (double) sysLen / refLen;
        }

        @Override
        public String toString() {
            String precisionText = java.util.Arrays.stream(precisions).mapToObj(p -> String.format(Locale.ROOT, "%.1f", p))
                    .collect(Collectors.joining("/"));
            return String.format(Locale.ROOT, "BLEU = %.2f %s (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", score,
                    precisionText, bp, ratio(), sysLen, refLen);
        }
    }

    // mteval-v13a's language-dependent part, as sacrebleu's TokenizerRegexp: pad ASCII symbols (not ' , - .) with spaces,
    // split . and , from non-digits on either side, and split a dash that follows a digit.
    private static final Pattern SYMBOL = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern PERIOD_COMMA_AFTER_NON_DIGIT = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern PERIOD_COMMA_BEFORE_NON_DIGIT = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private Bleu() {
    }

    /** BLEU with sacrebleu's defaults (13a, exp smoothing, 4-grams). */
    public static Score corpusBleu(List<String> hypotheses, List<List<String>> references) {
        return corpusBleu(hypotheses, references, Settings.DEFAULT);
    }

    /**
     * {@code references} are reference streams as sacrebleu takes them: {@code references.get(k).get(i)} is the k-th
     * reference of segment i; a null entry means that segment has one reference fewer.
     */
    public static Score corpusBleu(List<String> hypotheses, List<List<String>> references, Settings settings) {
        for (List<String> stream : references) {
            if (stream.size() != hypotheses.size()) {
                throw new IllegalArgumentException("a reference stream has " + stream.size() + " segments for "
                        + hypotheses.size() + " hypotheses");
            }
        }
        int orders = settings.maxNgramOrder();
        long[] stats = new long[2 + 2 * orders]; // hyp_len, ref_len, correct[orders], total[orders]
        for (int i = 0; i < hypotheses.size(); i++) {
            List<Map<String, Integer>> referenceMax = new ArrayList<>();
            for (int n = 0; n < orders; n++) {
                referenceMax.add(new HashMap<>());
            }
            List<Integer> referenceLengths = new ArrayList<>();
            for (List<String> stream : references) {
                if (stream.get(i) != null) {
                    List<String> tokens = PythonStrings.split(preprocess(stream.get(i), settings));
                    referenceLengths.add(tokens.size());
                    for (int n = 1; n <= orders; n++) {
                        Map<String, Integer> max = referenceMax.get(n - 1);
                        countNgrams(tokens, n).forEach((ngram, count) -> max.merge(ngram, count, Math::max));
                    }
                }
            }
            if (referenceLengths.isEmpty()) {
                throw new IllegalArgumentException("segment " + i + " has no reference");
            }
            List<String> hypothesis = PythonStrings.split(preprocess(hypotheses.get(i), settings));
            stats[0] += hypothesis.size();
            stats[1] += closestReferenceLength(hypothesis.size(), referenceLengths);
            for (int n = 1; n <= orders; n++) {
                Map<String, Integer> maxCounts = referenceMax.get(n - 1);
                for (var e : countNgrams(hypothesis, n).entrySet()) {
                    stats[1 + n + orders] += e.getValue();
                    stats[1 + n] += Math.min(e.getValue(), maxCounts.getOrDefault(e.getKey(), 0));
                }
            }
        }
        double[] correct = new double[orders];
        double[] total = new double[orders];
        for (int n = 0; n < orders; n++) {
            correct[n] = stats[2 + n];
            total[n] = stats[2 + orders + n];
        }
        return compute(correct, total, stats[0], stats[1], settings);
    }

    /** BLEU from its sufficient statistics (sacrebleu's compute_bleu). */
    public static Score compute(double[] correct, double[] total, long sysLen, long refLen, Settings settings) {
        int orders = settings.maxNgramOrder();
        correct = correct.clone();
        total = total.clone();
        double smoothValue = settings.smoothValue() != null ? settings.smoothValue()
                : settings.smoothing() == Smoothing.FLOOR ? 0.1 : 1;
        double bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0) : 1.0;
        double[] precisions = new double[orders];
        boolean anyCorrect = false;
        for (double c : correct) {
            anyCorrect |= c != 0;
        }
        if (!anyCorrect) {
            return new Score(0.0, correct, total, precisions, bp, sysLen, refLen);
        }
        double smoothMteval = 1;
        int effectiveOrder = orders;
        for (int n = 1; n <= orders; n++) {
            if (settings.smoothing() == Smoothing.ADD_K && n > 1) {
                correct[n - 1] += smoothValue;
                total[n - 1] += smoothValue;
            }
            if (total[n - 1] == 0) {
                break;
            }
            if (settings.effectiveOrder()) {
                effectiveOrder = n;
            }
            if (correct[n - 1] == 0) {
                if (settings.smoothing() == Smoothing.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
                } else if (settings.smoothing() == Smoothing.FLOOR) {
                    precisions[n - 1] = 100 * smoothValue / total[n - 1];
                }
            } else {
                precisions[n - 1] = 100 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0;
        for (int n = 0; n < effectiveOrder; n++) {
            logSum += precisions[n] == 0 ? -9999999999.0 : Math.log(precisions[n]); // sacrebleu's my_log floor
        }
        return new Score(bp * Math.exp(logSum / effectiveOrder), correct, total, precisions, bp, sysLen, refLen);
    }

    /** sacrebleu's segment preprocessing: optional lower-casing, trailing white space removed, then the tokenizer. */
    static String preprocess(String segment, Settings settings) {
        String text = PythonStrings.rstrip(settings.lowercase() ? segment.toLowerCase(Locale.ROOT) : segment);
        return settings.tokenize() == Tokenize.NONE ? text : tokenize13a(text);
    }

    /** mteval-v13a tokenization as sacrebleu's Tokenizer13a. */
    public static String tokenize13a(String line) {
        line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
        if (line.contains("&")) {
            line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        }
        line = " " + line + " ";
        line = SYMBOL.matcher(line).replaceAll(" $1 ");
        line = PERIOD_COMMA_AFTER_NON_DIGIT.matcher(line).replaceAll("$1 $2 ");
        line = PERIOD_COMMA_BEFORE_NON_DIGIT.matcher(line).replaceAll(" $1 $2");
        line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
        return String.join(" ", PythonStrings.split(line));
    }

    /** n-grams as their tokens joined by single spaces (tokens hold no white space, so the key is unambiguous). */
    private static Map<String, Integer> countNgrams(List<String> tokens, int n) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    /** The reference length closest to the hypothesis length, the shorter one on ties. */
    private static int closestReferenceLength(int hypothesisLength, List<Integer> referenceLengths) {
        int closestDiff = -1;
        int closest = -1;
        for (int length : referenceLengths) {
            int diff = Math.abs(hypothesisLength - length);
            if (closestDiff == -1 || diff < closestDiff) {
                closestDiff = diff;
                closest = length;
            } else if (diff == closestDiff && length < closest) {
                closest = length;
            }
        }
        return closest;
    }
}
