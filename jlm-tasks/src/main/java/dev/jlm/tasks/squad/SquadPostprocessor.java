package dev.jlm.tasks.squad;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Span logits back to answer text as Hugging Face's {@code postprocess_qa_predictions} (utils_qa.py) does: per window
 * the {@code nBest} highest start and end logits are paired into spans of context tokens at most
 * {@code maxAnswerLength} long, scored by start + end logit, mapped to the context by offsets, and the best span over
 * all windows of a question wins. For SQuAD 2.0 the lowest {@code [CLS]} score over the windows is the null score:
 * the question is answered with "" when null score − best span score exceeds the threshold, and that difference is
 * the question's entry in {@code null_odds.json}.
 */
public final class SquadPostprocessor {
    /** One candidate answer of the n-best list. */
    public record Candidate(String text, double probability, float startLogit, float endLogit) {
    }

    /**
     * @param predictions question id → answer text ("" = no answer)
     * @param nullOdds    question id → null score − best non-null score (SQuAD 2.0 only; empty otherwise)
     * @param nBest       question id → the n-best candidates, best first
     */
    public record Predictions(Map<String, String> predictions, Map<String, Double> nullOdds, Map<String, List<Candidate>> nBest) {
    }

    private record Span(int start, int end, float score, float startLogit, float endLogit) {
    }

    private SquadPostprocessor() {
    }

    /**
     * @param startLogits per feature, its start logits (one per token)
     * @param endLogits   per feature, its end logits
     */
    public static Predictions postprocess(List<SquadFeatures.Example> examples, List<SquadFeatures.Feature> features,
                                          List<float[]> startLogits, List<float[]> endLogits, boolean v2, int nBest,
                                          int maxAnswerLength, double nullScoreDiffThreshold) {
        List<List<Integer>> featuresOf = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            featuresOf.add(new ArrayList<>());
        }
        for (int f = 0; f < features.size(); f++) {
            featuresOf.get(features.get(f).example()).add(f);
        }
        Map<String, String> predictions = new LinkedHashMap<>();
        Map<String, Double> nullOdds = new LinkedHashMap<>();
        Map<String, List<Candidate>> nBestLists = new LinkedHashMap<>();
        for (int e = 0; e < examples.size(); e++) {
            SquadFeatures.Example example = examples.get(e);
            Span minNull = null;
            List<Span> prelim = new ArrayList<>();
            for (int f : featuresOf.get(e)) {
                float[] start = startLogits.get(f);
                float[] end = endLogits.get(f);
                int[][] offsets = features.get(f).contextOffsets();
                float nullScore = start[0] + end[0];
                if (minNull == null || minNull.score() > nullScore) {
                    minNull = new Span(0, 0, nullScore, start[0], end[0]);
                }
                for (int s : topIndexes(start, nBest)) {
                    for (int t : topIndexes(end, nBest)) {
                        if (s >= offsets.length || t >= offsets.length || offsets[s] == null || offsets[t] == null
                                || t < s || t - s + 1 > maxAnswerLength) {
                            continue;
                        }
                        prelim.add(new Span(offsets[s][0], offsets[t][1], start[s] + end[t], start[s], end[t]));
                    }
                }
            }
            if (v2 && minNull != null) {
                prelim.add(minNull);
            }
            // Python's sorted(reverse=True) is stable: equal scores keep their order.
            List<Span> best = new ArrayList<>(prelim);
            best.sort(Comparator.comparingDouble(Span::score).reversed());
            best = new ArrayList<>(best.subList(0, Math.min(nBest, best.size())));
            if (v2 && minNull != null && best.stream().noneMatch(p -> p.start() == 0 && p.end() == 0)) {
                best.add(minNull);
            }
            List<String> texts = new ArrayList<>();
            for (Span span : best) {
                texts.add(example.span(span.start(), span.end()));
            }
            if (best.isEmpty() || (best.size() == 1 && texts.getFirst().isEmpty())) {
                best.addFirst(new Span(0, 0, 0f, 0f, 0f));
                texts.addFirst("empty");
            }
            double[] probabilities = softmax(best);
            List<Candidate> candidates = new ArrayList<>();
            for (int i = 0; i < best.size(); i++) {
                candidates.add(new Candidate(texts.get(i), probabilities[i], best.get(i).startLogit(), best.get(i).endLogit()));
            }
            nBestLists.put(example.id(), candidates);
            if (!v2) {
                predictions.put(example.id(), texts.getFirst());
                continue;
            }
            int i = 0;
            while (i < texts.size() - 1 && texts.get(i).isEmpty()) {
                i++;
            }
            Span bestNonNull = best.get(i);
            double scoreDiff = (double) minNull.score() - bestNonNull.startLogit() - bestNonNull.endLogit();
            nullOdds.put(example.id(), scoreDiff);
            predictions.put(example.id(), scoreDiff > nullScoreDiffThreshold ? "" : texts.get(i));
        }
        return new Predictions(predictions, nullOdds, nBestLists);
    }

    /** Indexes of the {@code n} largest values, largest first (ties: the later index first, as numpy's argsort reversed). */
    static int[] topIndexes(float[] values, int n) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> values[a] != values[b] ? Float.compare(values[b], values[a]) : Integer.compare(b, a));
        int k = Math.min(n, order.length);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }

    private static double[] softmax(List<Span> spans) {
        double max = spans.stream().mapToDouble(Span::score).max().orElse(0);
        double[] out = new double[spans.size()];
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(spans.get(i).score() - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
