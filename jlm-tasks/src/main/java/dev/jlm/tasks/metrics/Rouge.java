package dev.jlm.tasks.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's {@code rouge-score} package ({@code RougeScorer}) with its default
 * tokenizer: lower-case, tokens are the runs of [a-z0-9], optionally Porter-stemmed ({@link PorterStemmer}) when longer
 * than three characters. ROUGE-Lsum splits both texts into sentences at newlines and scores the summary-level union LCS.
 */
public final class Rouge {
    /** Precision, recall and F1 of one ROUGE type. */
    public record Score(double precision, double recall, double fmeasure) {
        static Score of(double precision, double recall) {
            return new Score(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0);
        }
    }

    private final List<String> types;
    private final boolean useStemmer;

    /** {@code types}: "rouge1" … "rouge9", "rougeL", "rougeLsum". */
    public Rouge(List<String> types, boolean useStemmer) {
        for (String type : types) {
            if (!type.matches("rouge[1-9]|rougeL|rougeLsum")) {
                throw new IllegalArgumentException("unknown ROUGE type '" + type + "' (rouge1..rouge9, rougeL, rougeLsum)");
            }
        }
        this.types = List.copyOf(types);
        this.useStemmer = useStemmer;
    }

    /** Scores {@code prediction} against {@code target}, one entry per type in the order given. */
    public Map<String, Score> score(String target, String prediction) {
        List<String> targetTokens = tokenize(target, useStemmer);
        List<String> predictionTokens = tokenize(prediction, useStemmer);
        Map<String, Score> out = new LinkedHashMap<>();
        for (String type : types) {
            out.put(type, switch (type) {
                case "rougeL" -> lcsScore(targetTokens, predictionTokens);
                case "rougeLsum" -> summaryLevelLcs(sentences(target), sentences(prediction));
                default -> ngramScore(targetTokens, predictionTokens, type.charAt(5) - '0');
            });
        }
        return out;
    }

    /** rouge-score's score_multi: for each type, the score against the target with the highest F1 (the first on ties). */
    public Map<String, Score> scoreMulti(List<String> targets, String prediction) {
        List<Map<String, Score>> all = targets.stream().map(t -> score(t, prediction)).toList();
        Map<String, Score> out = new LinkedHashMap<>();
        for (String type : types) {
            Score best = all.getFirst().get(type);
            for (Map<String, Score> scores : all) {
                if (scores.get(type).fmeasure() > best.fmeasure()) {
                    best = scores.get(type);
                }
            }
            out.put(type, best);
        }
        return out;
    }

    /** The default tokenizer: runs of [a-z0-9] of the lower-cased text, stemmed if longer than three characters. */
    public static List<String> tokenize(String text, boolean useStemmer) {
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= lower.length(); i++) {
            char c = i < lower.length() ? lower.charAt(i) : ' ';
            boolean alphanumeric = c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (alphanumeric && start < 0) {
                start = i;
            } else if (!alphanumeric && start >= 0) {
                String token = lower.substring(start, i);
                token = useStemmer && token.length() > 3 ? PorterStemmer.stem(token) : token;
                if (!token.isEmpty()) {
                    tokens.add(token);
                }
                start = -1;
            }
        }
        return tokens;
    }

    private List<List<String>> sentences(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String sentence : text.split("\n", -1)) {
            if (!sentence.isEmpty()) {
                out.add(tokenize(sentence, useStemmer));
            }
        }
        return out;
    }

    private static Score ngramScore(List<String> target, List<String> prediction, int n) {
        Map<List<String>, Integer> targetCounts = ngrams(target, n);
        Map<List<String>, Integer> predictionCounts = ngrams(prediction, n);
        int overlap = 0;
        for (var e : targetCounts.entrySet()) {
            overlap += Math.min(e.getValue(), predictionCounts.getOrDefault(e.getKey(), 0));
        }
        int targetTotal = Math.max(target.size() - n + 1, 0);
        int predictionTotal = Math.max(prediction.size() - n + 1, 0);
        return Score.of((double) overlap / Math.max(predictionTotal, 1), (double) overlap / Math.max(targetTotal, 1));
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(tokens.subList(i, i + n), 1, Integer::sum);
        }
        return counts;
    }

    private static Score lcsScore(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) {
            return new Score(0, 0, 0);
        }
        int lcs = lcsTable(target, prediction)[target.size()][prediction.size()];
        return Score.of((double) lcs / prediction.size(), (double) lcs / target.size());
    }

    private static int[][] lcsTable(List<String> reference, List<String> candidate) {
        int[][] table = new int[reference.size() + 1][candidate.size() + 1];
        for (int i = 1; i <= reference.size(); i++) {
            for (int j = 1; j <= candidate.size(); j++) {
                table[i][j] = reference.get(i - 1).equals(candidate.get(j - 1)) ? table[i - 1][j - 1] + 1
                        : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        return table;
    }

    /** Indices into {@code reference} of one LCS, read back from the table the way rouge-score does (ties move up). */
    private static List<Integer> lcsIndices(List<String> reference, List<String> candidate) {
        int[][] table = lcsTable(reference, candidate);
        List<Integer> indices = new ArrayList<>();
        int i = reference.size();
        int j = candidate.size();
        while (i > 0 && j > 0) {
            if (reference.get(i - 1).equals(candidate.get(j - 1))) {
                indices.addFirst(i - 1);
                i--;
                j--;
            } else if (table[i][j - 1] > table[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
        return indices;
    }

    /**
     * Summary-level LCS (Lin 2004, section 3.2): for each reference sentence the union of its LCS with every candidate
     * sentence; hits are capped by each token's count in either summary, as ROUGE-1.5.5 does.
     */
    private static Score summaryLevelLcs(List<List<String>> reference, List<List<String>> candidate) {
        int m = reference.stream().mapToInt(List::size).sum();
        int n = candidate.stream().mapToInt(List::size).sum();
        if (m == 0 || n == 0) {
            return new Score(0, 0, 0);
        }
        Map<String, Integer> referenceCounts = new HashMap<>();
        Map<String, Integer> candidateCounts = new HashMap<>();
        reference.forEach(s -> s.forEach(t -> referenceCounts.merge(t, 1, Integer::sum)));
        candidate.forEach(s -> s.forEach(t -> candidateCounts.merge(t, 1, Integer::sum)));
        int hits = 0;
        for (List<String> sentence : reference) {
            TreeSet<Integer> union = new TreeSet<>();
            for (List<String> c : candidate) {
                union.addAll(lcsIndices(sentence, c));
            }
            for (int index : union) {
                String token = sentence.get(index);
                if (candidateCounts.getOrDefault(token, 0) > 0 && referenceCounts.getOrDefault(token, 0) > 0) {
                    hits++;
                    candidateCounts.merge(token, -1, Integer::sum);
                    referenceCounts.merge(token, -1, Integer::sum);
                }
            }
        }
        return Score.of((double) hits / n, (double) hits / m);
    }
}
