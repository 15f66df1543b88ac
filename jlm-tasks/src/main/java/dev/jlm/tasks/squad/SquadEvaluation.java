package dev.jlm.tasks.squad;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.tasks.metrics.PythonStrings;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * SQuAD scoring exactly as the official {@code evaluate-v1.1.py} and {@code evaluate-v2.0.py}: the same answer
 * normalization (Python's {@code str.lower()}, drop ASCII punctuation, drop the whole words a/an/the, collapse Unicode
 * whitespace), exact match and token-bag F1 maximized over the gold answers, and for v2.0 the no-answer handling and
 * threshold search. Results are ordered maps with the scripts' keys in the scripts' order.
 */
public final class SquadEvaluation {
    /** Python's {@code string.punctuation}. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private SquadEvaluation() {
    }

    /**
     * Scores a prediction file (question id → answer text) against a data set, choosing the v1.1 or v2.0 script by the
     * data set's version; {@code naProbFile} (v2.0 only) may be null. Unanswered questions are reported on {@code log}.
     */
    public static Map<String, Object> evaluate(Path dataFile, Path predictionsFile, Path naProbFile, PrintStream log)
            throws IOException {
        SquadDataset dataset = SquadDataset.read(dataFile);
        Map<String, String> predictions = new LinkedHashMap<>();
        for (var e : readObject(predictionsFile).entrySet()) {
            if (!e.getValue().isTextual()) {
                throw new IOException(predictionsFile + ": the prediction for '" + e.getKey() + "' is not a string");
            }
            predictions.put(e.getKey(), e.getValue().asText());
        }
        if (!dataset.isV2()) {
            if (naProbFile != null) {
                throw new IOException(naProbFile + ": no-answer probabilities apply to SQuAD v2.0 data only");
            }
            return v1(dataset, predictions, log);
        }
        Map<String, Double> naProbs = null;
        if (naProbFile != null) {
            naProbs = new LinkedHashMap<>();
            for (var e : readObject(naProbFile).entrySet()) {
                if (!e.getValue().isNumber()) {
                    throw new IOException(naProbFile + ": the probability for '" + e.getKey() + "' is not a number");
                }
                naProbs.put(e.getKey(), e.getValue().asDouble());
            }
            for (String id : predictions.keySet()) {
                if (!naProbs.containsKey(id)) {
                    throw new IOException(naProbFile + ": no probability for question " + id);
                }
            }
        }
        return v2(dataset, predictions, naProbs, 1.0, log);
    }

    /** A JSON object keyed by question id (predictions, no-answer probabilities), in file order. */
    private static Map<String, JsonNode> readObject(Path file) throws IOException {
        JsonNode root = SquadDataset.readJson(file);
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object keyed by question id");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        root.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** evaluate-v1.1.py: {exact_match, f1}; unanswered questions score 0 and are reported on {@code log}. */
    public static Map<String, Object> v1(SquadDataset dataset, Map<String, String> predictions, PrintStream log) {
        int exactSum = 0;
        double f1Sum = 0;
        int total = 0;
        for (SquadDataset.Question q : dataset.questions()) {
            total++;
            String prediction = predictions.get(q.id());
            if (prediction == null) {
                log.println("Unanswered question " + q.id() + " will receive score 0.");
                continue;
            }
            boolean exact = false;
            double bestF1 = 0;
            for (SquadDataset.Answer gold : q.answers()) {
                exact |= exactMatch(gold.text(), prediction);
                bestF1 = Math.max(bestF1, f1(gold.text(), prediction, false));
            }
            exactSum += exact ? 1 : 0;
            f1Sum += bestF1;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("exact_match", 100.0 * exactSum / total);
        out.put("f1", 100.0 * f1Sum / total);
        return out;
    }

    /**
     * evaluate-v2.0.py: exact, f1, total, HasAns_*, NoAns_* and, with no-answer probabilities, best_exact(_thresh) and
     * best_f1(_thresh). {@code naProbs} may be null. A question missing from the predictions is reported on {@code log}
     * and left out of exact/f1/total as the script does; where the script would then stop (HasAns/NoAns) it counts 0.
     */
    public static Map<String, Object> v2(SquadDataset dataset, Map<String, String> predictions, Map<String, Double> naProbs,
                                         double naProbThreshold, PrintStream log) {
        Map<String, Boolean> hasAnswer = new LinkedHashMap<>();
        Map<String, Double> exactRaw = new LinkedHashMap<>();
        Map<String, Double> f1Raw = new LinkedHashMap<>();
        for (SquadDataset.Question q : dataset.questions()) {
            hasAnswer.put(q.id(), !q.answers().isEmpty());
            List<String> golds = q.answers().stream().map(SquadDataset.Answer::text).filter(a -> !normalize(a).isEmpty()).toList();
            if (golds.isEmpty()) {
                golds = List.of(""); // an unanswerable question's only right answer is the empty string
            }
            String prediction = predictions.get(q.id());
            if (prediction == null) {
                log.println("Missing prediction for " + q.id());
                continue;
            }
            double bestExact = 0;
            double bestF1 = 0;
            for (String gold : golds) {
                bestExact = Math.max(bestExact, exactMatch(gold, prediction) ? 1 : 0);
                bestF1 = Math.max(bestF1, f1(gold, prediction, true));
            }
            exactRaw.put(q.id(), bestExact);
            f1Raw.put(q.id(), bestF1);
        }
        // Without a file every prediction's no-answer probability is 0 (in the predictions' order, as the script builds it).
        Map<String, Double> probs = new LinkedHashMap<>();
        if (naProbs != null) {
            probs.putAll(naProbs);
        } else {
            predictions.keySet().forEach(k -> probs.put(k, 0.0));
        }
        Map<String, Double> exactThresh = applyThreshold(exactRaw, probs, hasAnswer, naProbThreshold);
        Map<String, Double> f1Thresh = applyThreshold(f1Raw, probs, hasAnswer, naProbThreshold);
        Map<String, Object> out = new LinkedHashMap<>();
        putEval(out, "", exactThresh, f1Thresh, new ArrayList<>(exactThresh.keySet()));
        List<String> hasIds = hasAnswer.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        List<String> noIds = hasAnswer.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        if (!hasIds.isEmpty()) {
            putEval(out, "HasAns_", exactThresh, f1Thresh, hasIds);
        }
        if (!noIds.isEmpty()) {
            putEval(out, "NoAns_", exactThresh, f1Thresh, noIds);
        }
        if (naProbs != null) {
            double[] exactBest = bestThreshold(predictions, exactRaw, probs, hasAnswer);
            double[] f1Best = bestThreshold(predictions, f1Raw, probs, hasAnswer);
            out.put("best_exact", exactBest[0]);
            out.put("best_exact_thresh", exactBest[1]);
            out.put("best_f1", f1Best[0]);
            out.put("best_f1_thresh", f1Best[1]);
        }
        return out;
    }

    /** apply_no_ans_threshold: above the threshold the system abstains, which is right exactly for no-answer questions. */
    private static Map<String, Double> applyThreshold(Map<String, Double> scores, Map<String, Double> probs,
                                                      Map<String, Boolean> hasAnswer, double threshold) {
        Map<String, Double> out = new LinkedHashMap<>();
        scores.forEach((id, score) -> out.put(id, probs.get(id) > threshold ? (hasAnswer.get(id) ? 0.0 : 1.0) : score));
        return out;
    }

    /** make_eval_dict: exact, f1 (×100, summed left to right as Python's sum) and total over {@code ids}. */
    private static void putEval(Map<String, Object> out, String prefix, Map<String, Double> exact, Map<String, Double> f1,
                                List<String> ids) {
        double exactSum = 0;
        double f1Sum = 0;
        for (String id : ids) {
            exactSum += exact.getOrDefault(id, 0.0);
            f1Sum += f1.getOrDefault(id, 0.0);
        }
        out.put(prefix + "exact", 100.0 * exactSum / ids.size());
        out.put(prefix + "f1", 100.0 * f1Sum / ids.size());
        out.put(prefix + "total", ids.size());
    }

    /**
     * find_best_thresh: start from abstaining everywhere (every no-answer question right), then answer the questions in
     * order of rising no-answer probability, keeping the best running score and the probability where it was reached.
     */
    private static double[] bestThreshold(Map<String, String> predictions, Map<String, Double> scores, Map<String, Double> probs,
                                          Map<String, Boolean> hasAnswer) {
        double current = hasAnswer.values().stream().filter(h -> !h).count();
        double best = current;
        double bestThreshold = 0.0;
        List<String> ordered = new ArrayList<>(probs.keySet());
        ordered.sort((a, b) -> Double.compare(probs.get(a), probs.get(b))); // stable, as Python's sorted()
        for (String id : ordered) {
            if (!scores.containsKey(id)) {
                continue;
            }
            current += hasAnswer.get(id) ? scores.get(id) : predictions.get(id).isEmpty() ? 0 : -1;
            if (current > best) {
                best = current;
                bestThreshold = probs.get(id);
            }
        }
        return new double[] {100.0 * best / scores.size(), bestThreshold};
    }

    static boolean exactMatch(String gold, String prediction) {
        return normalize(gold).equals(normalize(prediction));
    }

    /**
     * Token-bag F1 of the normalized texts. v1.1 scores 0 whenever no token is shared; v2.0 scores 1 when both are empty
     * and 0 when only one is.
     */
    static double f1(String gold, String prediction, boolean v2) {
        List<String> goldTokens = PythonStrings.split(normalize(gold));
        List<String> predTokens = PythonStrings.split(normalize(prediction));
        if (v2 && (goldTokens.isEmpty() || predTokens.isEmpty())) {
            return goldTokens.equals(predTokens) ? 1 : 0;
        }
        Map<String, Integer> counts = new HashMap<>();
        goldTokens.forEach(t -> counts.merge(t, 1, Integer::sum));
        int same = 0;
        for (String t : predTokens) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                counts.put(t, left - 1);
                same++;
            }
        }
        if (same == 0) {
            return 0;
        }
        double precision = 1.0 * same / predTokens.size();
        double recall = 1.0 * same / goldTokens.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** The scripts' normalize_answer: lower-case, remove punctuation, remove articles, fix white space. */
    public static String normalize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder noPunctuation = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                noPunctuation.append(c);
            }
        }
        return String.join(" ", PythonStrings.split(removeArticles(noPunctuation)));
    }

    /**
     * {@code re.sub(r'\b(a|an|the)\b', ' ', text)}: a match is a maximal run of word characters spelling a, an or the,
     * so each such run becomes a space.
     */
    private static String removeArticles(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int cp = Character.codePointAt(text, i);
            if (!isPythonWordChar(cp)) {
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
                continue;
            }
            int end = i;
            while (end < text.length() && isPythonWordChar(Character.codePointAt(text, end))) {
                end += Character.charCount(Character.codePointAt(text, end));
            }
            String word = text.subSequence(i, end).toString();
            out.append(word.equals("a") || word.equals("an") || word.equals("the") ? " " : word);
            i = end;
        }
        return out.toString();
    }

    /** Python's {@code \w} on str patterns: {@code str.isalnum()} (letters and anything numeric) or underscore. */
    private static boolean isPythonWordChar(int cp) {
        if (cp == '_' || Character.isLetter(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
    }
}
