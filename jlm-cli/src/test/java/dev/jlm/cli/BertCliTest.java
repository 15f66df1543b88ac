package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BertCliTest {
    final ObjectMapper json = new ObjectMapper();

    @Test
    void pretrainsAMaskedLmAndFillsMasks(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder text = new StringBuilder();
        String[] animals = {"cat", "dog", "bird", "horse"};
        for (int i = 0; i < 400; i++) {
            text.append("the ").append(animals[i % 4]).append(" sat on the mat and the ").append(animals[(i + 1) % 4])
                    .append(" ran away quickly .\n");
        }
        Files.writeString(corpus, text);
        Path out = dir.resolve("mlm");
        CliRun train = CliRun.of("train", "bert-mlm", corpus.toString(), "--out", out.toString(), "--vocab-size", "60",
                "--layers", "1", "--hidden-size", "32", "--heads", "2", "--seq-len", "24", "--batch-size", "8", "--max-steps", "80",
                "--warmup-steps", "5", "--learning-rate", "3e-3", "--eval-interval", "50", "--whole-word-masking", "--quiet");
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(out.resolve("loss.png")).exists();
        assertThat(out.resolve("last/trainer_state.json")).exists();
        JsonNode evals = null;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            if (line.contains("masked_token_accuracy")) {
                evals = json.readTree(line);
            }
        }
        assertThat(evals).isNotNull();
        // From random init (loss ln 60 ≈ 4.1, accuracy ≈ 1/60) to well below and well above.
        assertThat(evals.get("val_loss").asDouble()).isLessThan(3.2);
        assertThat(evals.get("masked_token_accuracy").asDouble()).isGreaterThan(0.1);

        CliRun fill = CliRun.of("fill-mask", "--model", out.toString(), "--top-k", "3", "--json", "the cat sat on the [MASK]");
        assertThat(fill.exitCode()).as(fill.err()).isZero();
        JsonNode predictions = json.readTree(fill.lastLine()).get("predictions");
        assertThat(predictions).hasSize(3);
        assertThat(predictions.get(0).fieldNames()).toIterable().containsExactly("token", "id", "score");
        assertThat(predictions.get(0).get("score").asDouble()).isGreaterThanOrEqualTo(predictions.get(1).get("score").asDouble());
    }

    @Test
    void embedJsonContractAndLongTextError(@TempDir Path dir) throws IOException {
        Path texts = dir.resolve("texts.json");
        Files.writeString(texts, "[\"first text\", \"second text\"]");
        System.setProperty("jlm.cache", dir.resolve("cache").toString());
        CliRun run = CliRun.of("embed", "--model", "sentence-transformers/all-MiniLM-L6-v2", "--json", "--texts-json", texts.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode embeddings = json.readTree(run.lastLine()).get("embeddings");
        assertThat(embeddings).hasSize(2);
        assertThat(embeddings.get(0)).hasSize(384);
        double norm = 0;
        for (JsonNode v : embeddings.get(0)) {
            norm += v.asDouble() * v.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        CliRun tooLong = CliRun.of("embed", "--model", "sentence-transformers/all-MiniLM-L6-v2", "--json", "word ".repeat(700));
        assertThat(tooLong.exitCode()).isNotZero();
        assertThat(tooLong.err()).contains("more than the model's 512 positions");
        CliRun npy = CliRun.of("embed", "--model", "sentence-transformers/all-MiniLM-L6-v2", "--input", texts.toString(),
                "--output", dir.resolve("out.npy").toString());
        assertThat(npy.exitCode()).as(npy.err()).isZero();
        assertThat(Files.size(dir.resolve("out.npy"))).isEqualTo(128 + 1L * 4 * 384);
    }
}
