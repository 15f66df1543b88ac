package dev.jlm.tasks.squad;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * SQuAD scoring exactly as the official {@code evaluate-v1.1.py} and {@code evaluate-v2.0.py}: the same answer
 * normalization (lower-case, drop ASCII punctuation, drop the articles a/an/the, collapse whitespace), exact match
 * and token-bag F1 maximized over the gold answers, and for v2.0 the no-answer handling and threshold search.
 */
public final class SquadEvaluation {
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private SquadEvaluation() {
    }

    /** One question: id, gold answer texts (empty for unanswerable). */
    public record Question(String id, List<String> answers) {
    }

    /** Questions in file order, and the data set's version ("1.1", "v2.0"). */
    public record Dataset(String version, List<Question> questions) {
    }

    public static Dataset readDataset(Path file) throws IOException {
        JsonNode root = readJson(file);
        JsonNode data = root.path("data");
        if (!data.isArray()) {
            throw new IOException(file + ": no \"data\" array (not a SQuAD file)");
        }
        List<Question> questions = new ArrayList<>();
        for (JsonNode article : data) {
            for (JsonNode paragraph : article.path("paragraphs")) {
                for (JsonNode qa : paragraph.path("qas")) {
                    if (!qa.path("id").isTextual()) {
                        throw new IOException(file + ": a question in '" + article.path("title").asText() + "' has no id");
                    }
                    List<String> answers = new ArrayList<>();
                    for (JsonNode answer : qa.path("answers")) {
                        answers.add(answer.path("text").asText());
                    }
                    questions.add(new Question(qa.get("id").asText(), answers));
                }
            }
        }
        return new Dataset(root.path("version").asText(""), questions);
    }

    static JsonNode readJson(Path file) throws IOException {
        return dev.jlm.tensor.io.JsonFiles.read(file);
    }

    /** A JSON object of string → string (predictions) or string → number (no-answer probabilities). */
    static Map<String, JsonNode> readObject(Path file) throws IOException {
        JsonNode root = readJson(file);
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object keyed by question id");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** The official scripts' normalize_answer. */
    public static String normalize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder noPunct = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) {
                noPunct.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    /** Python's {@code str.split()}: runs of Unicode whitespace separate tokens. */
    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean space = Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x1C || cp == 0x1D || cp == 0x1E
                    || cp == 0x1F || cp == 0x85;
            if (space && start >= 0) {
                out.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(text.substring(start));
        }
        return out;
    }

    static boolean exact(String gold, String prediction) {
        return normalize(gold).equals(normalize(prediction));
    }

    /** Token-bag F1 (v1.1: 0 when nothing is shared; v2.0 additionally 1/0 when either side is empty). */
    static double f1(String gold, String prediction, boolean v2) {
        List<String> goldTokens = v2 && gold.isEmpty() ? List.of() : tokens(normalize(gold));
        List<String> predTokens = v2 && prediction.isEmpty() ? List.of() : tokens(normalize(prediction));
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

    /**
     * Scores a prediction file (question id → answer text) against a data set, choosing the v1.1 or v2.0 script by the
     * data set's version; {@code naProbFile} (v2.0 only) may be null.
     */
    public static Map<String, Object> evaluate(Path dataFile, Path predictionsFile, Path naProbFile, PrintStream log)
            throws IOException {
        Dataset dataset = readDataset(dataFile);
        Map<String, String> predictions = new LinkedHashMap<>();
        for (var e : readObject(predictionsFile).entrySet()) {
            if (!e.getValue().isTextual()) {
                throw new IOException(predictionsFile + ": the prediction for '" + e.getKey() + "' is not a string");
            }
            predictions.put(e.getKey(), e.getValue().asText());
        }
        boolean v2 = dataset.version().startsWith("v2");
        if (!v2) {
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
        }
        return v2(dataset, predictions, naProbs, 1.0, log);
    }

    /** evaluate-v1.1.py: {exact_match, f1}; unanswered questions score 0 and are reported on {@code log}. */
    public static Map<String, Object> v1(Dataset dataset, Map<String, String> predictions, PrintStream log) {
        double exactSum = 0;
        double f1Sum = 0;
        int total = 0;
        for (Question q : dataset.questions()) {
            total++;
            String prediction = predictions.get(q.id());
            if (prediction == null) {
                log.println("Unanswered question " + q.id() + " will receive score 0.");
                continue;
            }
            double bestExact = 0;
            double bestF1 = 0;
            for (String gold : q.answers()) {
                bestExact = Math.max(bestExact, exact(gold, prediction) ? 1 : 0);
                bestF1 = Math.max(bestF1, f1(gold, prediction, false));
            }
            exactSum += bestExact;
            f1Sum += bestF1;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("exact_match", 100.0 * exactSum / total);
        out.put("f1", 100.0 * f1Sum / total);
        return out;
    }

    /**
     * evaluate-v2.0.py: exact, f1, total, HasAns_*, NoAns_* and, with no-answer probabilities, best_exact(_thresh) and
     * best_f1(_thresh). {@code naProbs} may be null.
     */
    public static Map<String, Object> v2(Dataset dataset, Map<String, String> predictions, Map<String, Double> naProbs,
                                         double naProbThreshold, PrintStream log) {
        Map<String, Boolean> hasAnswer = new LinkedHashMap<>();
        Map<String, Double> exactRaw = new LinkedHashMap<>();
        Map<String, Double> f1Raw = new LinkedHashMap<>();
        for (Question q : dataset.questions()) {
            hasAnswer.put(q.id(), !q.answers().isEmpty());
            List<String> golds = q.answers().stream().filter(a -> !normalize(a).isEmpty()).toList();
            if (golds.isEmpty()) {
                golds = List.of("");
            }
            String prediction = predictions.get(q.id());
            if (prediction == null) {
                log.println("Missing prediction for " + q.id());
                continue;
            }
            double bestExact = 0;
            double bestF1 = 0;
            for (String gold : golds) {
                bestExact = Math.max(bestExact, exact(gold, prediction) ? 1 : 0);
                bestF1 = Math.max(bestF1, f1(gold, prediction, true));
            }
            exactRaw.put(q.id(), bestExact);
            f1Raw.put(q.id(), bestF1);
        }
        // Insertion order matters: the threshold search sorts stably, so ties keep the na-prob file's order.
        Map<String, Double> probs = new LinkedHashMap<>();
        if (naProbs != null) {
            probs.putAll(naProbs);
        } else {
            predictions.keySet().forEach(k -> probs.put(k, 0.0));
        }
        Map<String, Double> exactThresh = applyThreshold(exactRaw, probs, hasAnswer, naProbThreshold);
        Map<String, Double> f1Thresh = applyThreshold(f1Raw, probs, hasAnswer, naProbThreshold);
        Map<String, Object> out = evalDict(exactThresh, f1Thresh, null);
        List<String> hasIds = hasAnswer.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        List<String> noIds = hasAnswer.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
        if (!hasIds.isEmpty()) {
            evalDict(exactThresh, f1Thresh, hasIds).forEach((k, v) -> out.put("HasAns_" + k, v));
        }
        if (!noIds.isEmpty()) {
            evalDict(exactThresh, f1Thresh, noIds).forEach((k, v) -> out.put("NoAns_" + k, v));
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

    private static Map<String, Double> applyThreshold(Map<String, Double> scores, Map<String, Double> probs,
                                                      Map<String, Boolean> hasAnswer, double threshold) {
        Map<String, Double> out = new LinkedHashMap<>();
        scores.forEach((id, score) -> {
            boolean predictNoAnswer = probs.getOrDefault(id, 0.0) > threshold;
            out.put(id, predictNoAnswer ? (hasAnswer.get(id) ? 0.0 : 1.0) : score);
        });
        return out;
    }

    private static Map<String, Object> evalDict(Map<String, Double> exact, Map<String, Double> f1, List<String> ids) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (ids == null) {
            int total = exact.size();
            out.put("exact", 100.0 * sum(exact.values()) / total);
            out.put("f1", 100.0 * sum(f1.values()) / total);
            out.put("total", total);
        } else {
            int total = ids.size();
            out.put("exact", 100.0 * sum(ids.stream().map(id -> exact.getOrDefault(id, 0.0)).toList()) / total);
            out.put("f1", 100.0 * sum(ids.stream().map(id -> f1.getOrDefault(id, 0.0)).toList()) / total);
            out.put("total", total);
        }
        return out;
    }

    /** Python's sum over floats: left to right, in insertion order. */
    private static double sum(Iterable<Double> values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }

    /** find_best_thresh: sweep the no-answer probability threshold over the questions, lowest first. */
    private static double[] bestThreshold(Map<String, String> predictions, Map<String, Double> scores, Map<String, Double> probs,
                                          Map<String, Boolean> hasAnswer) {
        double noAnswers = hasAnswer.values().stream().filter(h -> !h).count();
        double current = noAnswers;
        double best = current;
        double bestThreshold = 0.0;
        // Python's sorted() is stable: equal probabilities keep the na-prob file's order.
        List<String> ordered = new ArrayList<>(probs.keySet());
        ordered.sort((a, b) -> Double.compare(probs.get(a), probs.get(b)));
        for (String id : ordered) {
            if (!scores.containsKey(id)) {
                continue;
            }
            double diff;
            if (hasAnswer.get(id)) {
                diff = scores.get(id);
            } else {
                diff = predictions.get(id) != null && !predictions.get(id).isEmpty() ? -1 : 0;
            }
            current += diff;
            if (current > best) {
                best = current;
                bestThreshold = probs.get(id);
            }
        }
        return new double[] {100.0 * best / scores.size(), bestThreshold};
    }
}
