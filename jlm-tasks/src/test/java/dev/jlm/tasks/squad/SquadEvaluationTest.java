package dev.jlm.tasks.squad;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Expected values are what the official evaluate-v1.1.py / evaluate-v2.0.py print (run with CPython 3.11) for the same
 * inputs; the full dev-set comparison is in jlm-cli's SquadEvalCliTest.
 */
class SquadEvaluationTest {
    private static final String DATA = """
            {"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"context": "ctx", "qas": [
             {"id": "q1", "question": "?", "answers": [{"text": "Paris", "answer_start": 0}, {"text": "the city of Paris", "answer_start": 0}], "is_impossible": false},
             {"id": "q2", "question": "?", "answers": [], "is_impossible": true},
             {"id": "q3", "question": "?", "answers": [], "is_impossible": true},
             {"id": "q4", "question": "?", "answers": [{"text": "1,000 people", "answer_start": 0}], "is_impossible": false},
             {"id": "q5", "question": "?", "answers": [{"text": "An apple", "answer_start": 0}], "is_impossible": false}]}]}]}
            """;
    private static final String PREDICTIONS = "{\"q1\": \"paris\", \"q2\": \"\", \"q3\": \"something\", \"q4\": \"1000 persons\", \"q5\": \"apple pie\"}";

    @Test
    void normalizationMatchesPythonOnUnicodeEdgeCases() {
        // Each pair: input, normalize_answer(input) as both official scripts return it.
        String[][] cases = {
                {"The Cat", "cat"},
                {"the\u0301 end", "\u0301 end"},        // a combining mark is not a word character: "the" is still a word
                {"an_ apple", "apple"},                 // underscore is punctuation, removed before the articles
                {"a\u00b2 b", "a\u00b2 b"},             // superscript two is numeric, so "a²" is one word
                {"the\u2003end\u00a0of\u200bit", "end of\u200bit"}, // em and no-break spaces split, zero-width space does not
                {"\u0130stanbul THE", "i\u0307stanbul"}, // full lower-case mapping of dotted capital I
                {"\u039f\u0394\u039f\u03a3 the", "\u03bf\u03b4\u03bf\u03c2"}, // final sigma
                {"tHe a an", ""},
                {"a-the", "athe"},
                {"x\u001cy\u0085z", "x y z"},
                {"the\u3000a", ""},
                {"\u2177the a", "\u2177the"},           // a Roman numeral is a word character
                {"the\u0663", "the\u0663"},             // so is an Arabic-Indic digit
                {"The, the; a.", ""},
                {"caf\u00e9 the", "caf\u00e9"},
        };
        for (String[] c : cases) {
            assertThat(SquadEvaluation.normalize(c[0])).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void f1AndExactMatchTheScriptsIncludingEmptyAnswers() {
        assertThat(SquadEvaluation.f1("The Cat sat", "cat sat on", false)).isCloseTo(0.8, within(1e-15));
        assertThat(SquadEvaluation.f1("a b c", "c b a a", true)).isEqualTo(1.0);
        // v1.1 gives 0 when nothing is shared, even for two empty answers; v2.0 gives 1 when both are empty.
        assertThat(SquadEvaluation.f1("", "", false)).isZero();
        assertThat(SquadEvaluation.f1("", "", true)).isEqualTo(1.0);
        assertThat(SquadEvaluation.f1("", "a", true)).isEqualTo(1.0);
        assertThat(SquadEvaluation.f1("the", "", true)).isEqualTo(1.0);
        assertThat(SquadEvaluation.f1("th\u00e9 end", "the\u0301 end", true)).isEqualTo(0.5);
        assertThat(SquadEvaluation.exactMatch("", "a")).isTrue();
        assertThat(SquadEvaluation.exactMatch("The Cat sat", "cat sat on")).isFalse();
    }

    @Test
    void v2NoAnswerThresholdSearch(@TempDir Path dir) throws IOException {
        Path data = write(dir, "data.json", DATA);
        Path predictions = write(dir, "predictions.json", PREDICTIONS);
        Map<String, Object> plain = SquadEvaluation.evaluate(data, predictions, null, silent());
        assertNumbers(plain, "exact", 40.0, "f1", 63.33333333333333, "total", 5, "HasAns_exact", 33.333333333333336,
                "HasAns_f1", 72.22222222222221, "HasAns_total", 3, "NoAns_exact", 50.0, "NoAns_f1", 50.0, "NoAns_total", 2);
        Path naProbs = write(dir, "na.json", "{\"q1\": 0.2, \"q2\": 0.9, \"q3\": 0.2, \"q4\": 0.5, \"q5\": 0.9}");
        Map<String, Object> withProbs = SquadEvaluation.evaluate(data, predictions, naProbs, silent());
        assertThat(withProbs).containsAllEntriesOf(plain);
        assertThat(withProbs).containsEntry("best_exact", 60.0).containsEntry("best_exact_thresh", 0.2)
                .containsEntry("best_f1", 63.33333333333333).containsEntry("best_f1_thresh", 0.9);
        // Equal probabilities keep the file's order (Python's stable sort): q3 before q1 loses the 0.2 threshold.
        Path reordered = write(dir, "na2.json", "{\"q3\": 0.2, \"q1\": 0.2, \"q2\": 0.9, \"q4\": 0.5, \"q5\": 0.9}");
        assertThat(SquadEvaluation.evaluate(data, predictions, reordered, silent()))
                .containsEntry("best_exact", 40.0).containsEntry("best_exact_thresh", 0.0);
        Path partial = write(dir, "na3.json", "{\"q1\": 0.2}");
        assertThatThrownBy(() -> SquadEvaluation.evaluate(data, predictions, partial, silent()))
                .hasMessage(partial + ": no probability for question q2");
    }

    @Test
    void v1UnansweredQuestionsScoreZeroAndAreReported(@TempDir Path dir) throws IOException {
        Path data = write(dir, "data.json", DATA.replace("\"v2.0\"", "\"1.1\"")
                .replace("\"answers\": []", "\"answers\": [{\"text\": \"nothing\", \"answer_start\": 0}]"));
        Path predictions = write(dir, "predictions.json", "{\"q1\": \"paris\", \"q2\": \"\", \"q3\": \"something\", \"q5\": \"apple pie\"}");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Map<String, Object> result = SquadEvaluation.evaluate(data, predictions, null, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertNumbers(result, "exact_match", 20.0, "f1", 33.33333333333333);
        assertThat(log.toString(StandardCharsets.UTF_8).strip()).isEqualTo("Unanswered question q4 will receive score 0.");
        Path naProbs = write(dir, "na.json", "{}");
        assertThatThrownBy(() -> SquadEvaluation.evaluate(data, predictions, naProbs, silent())).hasMessageContaining("v2.0 data only");
        Path numbers = write(dir, "numbers.json", "{\"q1\": 3}");
        assertThatThrownBy(() -> SquadEvaluation.evaluate(data, numbers, null, silent()))
                .hasMessage(numbers + ": the prediction for 'q1' is not a string");
    }

    private static void assertNumbers(Map<String, Object> actual, Object... keysAndValues) {
        Map<String, Object> expected = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            expected.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        assertThat(actual).isEqualTo(expected);
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static PrintStream silent() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
