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

/** {@code jlm finetune reuters} and {@code jlm eval reuters} on a tiny random BERT and two of the SGML files. */
class ReutersFinetuneCliTest {
    final ObjectMapper json = new ObjectMapper();

    @Test
    void fineTunesEvaluatesAndResumes(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("reuters");
        Files.createDirectories(data);
        for (String file : List.of("reut2-000.sgm", "reut2-018.sgm")) { // 1,000 training and 906 test documents
            Files.copy(Fixtures.path("data/reuters21578/" + file), data.resolve(file));
        }
        Path out = dir.resolve("topics");
        String[] args = {"finetune", "reuters", "--model", SquadFinetuneCliTest.tinyBert(dir).toString(), "--data", data.toString(),
                "--top", "3", "--out", out.toString(), "--epochs", "10", "--batch-size", "16", "--learning-rate", "1e-3",
                "--max-length", "48", "--quiet"};
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("reuters_labels.json")).exists();
        assertThat(out.resolve("loss.png")).exists();
        JsonNode labels = json.readTree(out.resolve("reuters_labels.json").toFile());
        assertThat(labels.get("categories")).hasSize(3);
        assertThat(labels.get("thresholds")).hasSize(3);
        List<Double> losses = new ArrayList<>();
        List<Double> validationF1 = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode record = json.readTree(line);
            if (record.has("loss")) {
                losses.add(record.get("loss").asDouble());
            } else {
                validationF1.add(record.get("val_micro_f1").asDouble());
            }
        }
        // The head starts at the three topics' base rates (their binary entropy, ≈ 0.5 per output); training goes well below.
        assertThat(losses.getFirst()).isLessThan(0.6);
        assertThat(losses.getLast()).isLessThan(losses.getFirst() * 0.6);
        assertThat(validationF1).hasSize(10);

        CliRun eval = CliRun.of("eval", "reuters", "--model", out.toString(), "--data", data.toString(), "--json");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode scores = json.readTree(eval.lastLine());
        assertThat(scores.get("categories").asInt()).isEqualTo(3);
        assertThat(scores.get("documents").asInt()).isPositive();
        // The training run printed the same test figure.
        assertThat(run.out()).contains(String.format(java.util.Locale.ROOT, "micro-F1 %.4f", scores.get("micro_f1").asDouble()));

        // A finished run resumes at its last step and trains no further.
        int lines = Files.readAllLines(out.resolve("metrics.jsonl")).size();
        CliRun again = CliRun.of(args);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(lines);
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) {
        CliRun noData = CliRun.of("finetune", "reuters", "--model", dir.toString(), "--data", dir.resolve("missing").toString());
        assertThat(noData.exitCode()).isEqualTo(2);
        assertThat(noData.err().strip()).doesNotContain("\n").contains("missing");
        CliRun notAModel = CliRun.of("eval", "reuters", "--model", dir.toString());
        assertThat(notAModel.exitCode()).isEqualTo(2);
        assertThat(notAModel.err()).contains("reuters_labels.json");
        CliRun badFlag = CliRun.of("finetune", "reuters", "--epochs", "0");
        assertThat(badFlag.exitCode()).isEqualTo(2);
        assertThat(badFlag.err()).contains("--epochs");
    }
}
