package dev.jlm.tasks.squad;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.tensor.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A SQuAD v1.1 or v2.0 JSON file as published: articles of paragraphs, each a context and its questions.
 *
 * @param version  the file's "version" field ("1.1", "v2.0")
 * @param articles in file order
 */
public record SquadDataset(String version, List<Article> articles) {

    public record Article(String title, List<Paragraph> paragraphs) {
    }

    public record Paragraph(String context, List<Question> questions) {
    }

    /**
     * One question. {@code answers} is empty for a v2.0 question without an answer, whose {@code plausibleAnswers}
     * (v2.0 only) are spans a reader might wrongly pick.
     */
    public record Question(String id, String question, List<Answer> answers, boolean isImpossible,
                           List<Answer> plausibleAnswers) {
    }

    /** An answer span: its text and the offset of its first character in the context, in code points (Python string indexes). */
    public record Answer(String text, int answerStart) {
    }

    /** True for SQuAD 2.0 files (version "v2.0"), whose questions may have no answer. */
    public boolean isV2() {
        return version.startsWith("v2") || version.startsWith("2");
    }

    /** Every question, in file order. */
    public List<Question> questions() {
        return articles.stream().flatMap(a -> a.paragraphs().stream()).flatMap(p -> p.questions().stream()).toList();
    }

    public static SquadDataset read(Path file) throws IOException {
        JsonNode root = readJson(file);
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray()) {
            throw new IOException(file + ": no \"data\" array (not a SQuAD file)");
        }
        List<Article> articles = new ArrayList<>();
        for (JsonNode article : data) {
            String title = text(file, article, "title", "an article");
            List<Paragraph> paragraphs = new ArrayList<>();
            int index = 0;
            for (JsonNode paragraph : array(file, article, "paragraphs", "article '" + title + "'")) {
                String where = "paragraph " + index++ + " of '" + title + "'";
                String context = text(file, paragraph, "context", where);
                List<Question> questions = new ArrayList<>();
                for (JsonNode qa : array(file, paragraph, "qas", where)) {
                    String id = text(file, qa, "id", "a question of " + where);
                    String what = "question " + id;
                    JsonNode impossible = qa.get("is_impossible");
                    if (impossible != null && !impossible.isBoolean()) {
                        throw new IOException(file + ": " + what + ": \"is_impossible\" is not true/false");
                    }
                    List<Answer> answers = answers(file, qa, "answers", what);
                    questions.add(new Question(id, text(file, qa, "question", what), answers,
                            impossible == null ? answers.isEmpty() : impossible.asBoolean(),
                            qa.has("plausible_answers") ? answers(file, qa, "plausible_answers", what) : List.of()));
                }
                paragraphs.add(new Paragraph(context, List.copyOf(questions)));
            }
            articles.add(new Article(title, List.copyOf(paragraphs)));
        }
        JsonNode version = root.get("version");
        return new SquadDataset(version == null ? "" : version.asText(), List.copyOf(articles));
    }

    private static List<Answer> answers(Path file, JsonNode qa, String field, String what) throws IOException {
        List<Answer> out = new ArrayList<>();
        int index = 0;
        for (JsonNode answer : array(file, qa, field, what)) {
            String where = what + ", " + field + "[" + index++ + "]";
            JsonNode start = answer.get("answer_start");
            if (start == null || !start.canConvertToInt() || !start.isIntegralNumber()) {
                throw new IOException(file + ": " + where + ": " + (start == null ? "missing" : "non-integer")
                        + " \"answer_start\"");
            }
            out.add(new Answer(text(file, answer, "text", where), start.asInt()));
        }
        return List.copyOf(out);
    }

    private static String text(Path file, JsonNode node, String field, String where) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException(file + ": " + where + ": " + (value == null ? "missing" : "non-string") + " \""
                    + field + "\"");
        }
        return value.asText();
    }

    private static JsonNode array(Path file, JsonNode node, String field, String where) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw new IOException(file + ": " + where + ": " + (value == null ? "missing" : "non-array") + " \""
                    + field + "\"");
        }
        return value;
    }

    /** Parses a JSON file; syntax errors name the file, line and column. */
    static JsonNode readJson(Path file) throws IOException {
        return JsonFiles.read(file);
    }

    /** The offline train/test split of SQuAD dev-v1.1 by article (see {@link #offlineSplit}). */
    public record Split(SquadDataset train, SquadDataset test) {
    }

    /**
     * The offline split for fine-tuning without the SQuAD training files: dev-v1.1's 48 articles include all 35 of
     * dev-v2.0; the 13 others (4,557 questions) are the training set, the 35 shared ones (6,013 questions) the test set,
     * so nothing evaluated on — in v1.1 or, through dev-v2.0, in v2.0 — is ever trained on. Articles match by title.
     */
    public static Split offlineSplit(SquadDataset v11, SquadDataset v20) {
        if (v11.isV2() || !v20.isV2()) {
            throw new IllegalArgumentException("the offline split takes dev-v1.1 then dev-v2.0 (got versions "
                    + v11.version() + " and " + v20.version() + ")");
        }
        Set<String> heldOut = v20.articles().stream().map(Article::title).collect(Collectors.toSet());
        List<Article> train = v11.articles().stream().filter(a -> !heldOut.contains(a.title())).toList();
        List<Article> test = v11.articles().stream().filter(a -> heldOut.contains(a.title())).toList();
        return new Split(new SquadDataset(v11.version(), train), new SquadDataset(v11.version(), test));
    }
}
