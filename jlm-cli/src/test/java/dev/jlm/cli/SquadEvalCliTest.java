package dev.jlm.cli;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jlm eval squad} prints what the official scripts print (testdata/golden/squad-metrics) to 1e-9. */
class SquadEvalCliTest {
    static void assertSameNumbers(JsonNode actual, JsonNode expected) {
        List<String> expectedKeys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(expectedKeys::add);
        List<String> actualKeys = new ArrayList<>();
        actual.fieldNames().forEachRemaining(actualKeys::add);
        assertThat(actualKeys).containsExactlyElementsOf(expectedKeys);
        for (String key : expectedKeys) {
            assertThat(actual.get(key).asDouble()).as(key).isCloseTo(expected.get(key).asDouble(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(actual.get(key).isIntegralNumber()).as("%s is an integer in both", key).isEqualTo(expected.get(key).isIntegralNumber());
        }
    }

    @Test
    void v11MatchesTheOfficialScriptIncludingUnansweredQuestions() throws IOException {
        Path golden = Fixtures.path("golden/squad-metrics");
        CliRun run = CliRun.of("eval", "squad", "--data", Fixtures.path("data/squad/dev-v1.1.json").toString(), "--predictions",
                golden.resolve("predictions-v1.1.json").toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode official = new ObjectMapper().readTree(golden.resolve("official-v1.1.json").toFile());
        assertSameNumbers(new ObjectMapper().readTree(run.lastLine()), official.get("stdout"));
        assertThat(run.err().strip()).isEqualTo(official.get("stderr").asText().strip());
    }

    @Test
    void v20MatchesTheOfficialScriptWithAndWithoutNaProbs() throws IOException {
        Path golden = Fixtures.path("golden/squad-metrics");
        JsonNode official = new ObjectMapper().readTree(golden.resolve("official-v2.0.json").toFile());
        String data = Fixtures.path("data/squad/dev-v2.0.json").toString();
        String predictions = golden.resolve("predictions-v2.0.json").toString();
        CliRun plain = CliRun.of("eval", "squad", "--data", data, "--predictions", predictions, "--json");
        assertSameNumbers(new ObjectMapper().readTree(plain.lastLine()), official.get("without_na_prob"));
        CliRun withNa = CliRun.of("eval", "squad", "--data", data, "--predictions", predictions, "--na-prob",
                golden.resolve("na-prob-v2.0.json").toString(), "--json");
        assertSameNumbers(new ObjectMapper().readTree(withNa.lastLine()), official.get("with_na_prob"));
        CliRun table = CliRun.of("eval", "squad", "--data", data, "--predictions", predictions);
        assertThat(table.out()).startsWith("SQuAD v2.0").contains("HasAns_total       5,928")
                .contains(String.format(java.util.Locale.ROOT, "%.4f", official.get("without_na_prob").get("f1").asDouble()));
    }

    @Test
    void malformedFilesNameTheFileAndLocation(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("predictions.json");
        Files.writeString(bad, "{\n  \"a\": \"x\",\n  oops\n}");
        CliRun run = CliRun.of("eval", "squad", "--data", Fixtures.path("data/squad/dev-v1.1.json").toString(), "--predictions", bad.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).contains(bad.toString()).contains("line 3").doesNotContain("\n");
    }
}
