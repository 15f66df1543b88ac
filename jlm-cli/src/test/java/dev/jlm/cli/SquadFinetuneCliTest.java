package dev.jlm.cli;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code jlm finetune squad} and {@code jlm predict squad} on a tiny random BERT and a few real SQuAD paragraphs. */
class SquadFinetuneCliTest {
    final ObjectMapper json = new ObjectMapper();

    /** The first {@code paragraphs} paragraphs of dev-v1.1's first article, as a SQuAD file. */
    Path smallSquad(Path dir, int paragraphs) throws IOException {
        JsonNode dev = json.readTree(Fixtures.path("data/squad/dev-v1.1.json").toFile());
        ObjectNode article = ((ObjectNode) dev.get("data").get(0)).deepCopy();
        ArrayNode kept = json.createArrayNode();
        for (int i = 0; i < paragraphs; i++) {
            kept.add(article.get("paragraphs").get(i));
        }
        article.set("paragraphs", kept);
        ObjectNode root = json.createObjectNode().put("version", "1.1");
        root.putArray("data").add(article);
        Path file = dir.resolve("small.json");
        json.writeValue(file.toFile(), root);
        return file;
    }

    static Path tinyBert(Path dir) throws IOException {
        BertConfig config = BertConfig.builder().hiddenSize(32).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).build();
        Path model = dir.resolve("tiny-bert");
        new Bert(config, false, 3).savePretrained(model);
        Tokenizers.load("bert-base-uncased").save(model);
        return model;
    }

    @Test
    void fineTunesPredictsScoresAndResumes(@TempDir Path dir) throws IOException {
        Path data = smallSquad(dir, 2);
        Path out = dir.resolve("qa");
        String[] args = {"finetune", "squad", "--model", tinyBert(dir).toString(), "--train", data.toString(), "--dev",
                data.toString(), "--out", out.toString(), "--epochs", "12", "--batch-size", "4", "--gradient-accumulation-steps", "2", "--learning-rate", "3e-3",
                "--warmup-ratio", "0.1", "--max-seq-length", "128", "--doc-stride", "32", "--save-steps", "10", "--quiet", "--json"};
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode scores = json.readTree(run.lastLine());
        assertThat(scores.fieldNames()).toIterable().containsExactly("exact_match", "f1");
        // A tiny model memorizes a few dozen training questions: far above chance (untrained: F1 near 0).
        assertThat(scores.get("f1").asDouble()).isGreaterThan(30);
        try (SafeTensors weights = SafeTensors.open(out.resolve("model.safetensors"))) {
            assertThat(weights.entries()).containsKeys("qa_outputs.weight", "qa_outputs.bias", "bert.embeddings.word_embeddings.weight");
        }
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("loss.png")).exists();
        assertThat(out.resolve("eval/predictions.json")).exists();
        assertThat(out.resolve("eval/nbest_predictions.json")).exists();
        JsonNode losses = null;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode record = json.readTree(line);
            losses = losses == null ? json.createArrayNode().add(record.get("loss").asDouble())
                    : ((ArrayNode) losses).add(record.get("loss").asDouble());
        }
        assertThat(losses.get(losses.size() - 1).asDouble()).isLessThan(losses.get(0).asDouble() * 0.5);

        // The saved model predicts the same answers on its own.
        Path predictions = dir.resolve("predictions");
        CliRun predict = CliRun.of("predict", "squad", "--model", out.toString(), "--data", data.toString(), "--out",
                predictions.toString(), "--max-seq-length", "128", "--doc-stride", "32", "--json");
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        assertThat(json.readTree(predictions.resolve("predictions.json").toFile()))
                .isEqualTo(json.readTree(out.resolve("eval/predictions.json").toFile()));
        assertThat(json.readTree(predict.lastLine())).isEqualTo(scores);

        // A finished run resumes at its last step and trains no further.
        long lines = Files.readAllLines(out.resolve("metrics.jsonl")).size();
        CliRun again = CliRun.of(args);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize((int) lines);
        assertThat(json.readTree(again.lastLine())).isEqualTo(scores);
    }

    @Test
    void v2PredictionsWriteNullOdds(@TempDir Path dir) throws IOException {
        Path data = smallSquad(dir, 1);
        Path predictions = dir.resolve("p");
        CliRun predict = CliRun.of("predict", "squad", "--model", tinyBert(dir).toString(), "--data", data.toString(), "--v2",
                "--out", predictions.toString());
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        JsonNode odds = json.readTree(predictions.resolve("null_odds.json").toFile());
        JsonNode answers = json.readTree(predictions.resolve("predictions.json").toFile());
        assertThat(odds.size()).isEqualTo(answers.size()).isPositive();
        // Threshold 0: a question is unanswered exactly when its null odds exceed 0.
        answers.fieldNames().forEachRemaining(id ->
                assertThat(answers.get(id).asText().isEmpty()).as(id).isEqualTo(odds.get(id).asDouble() > 0));
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"version\": \"1.1\", \"data\": [{\"title\": \"x\"}]}");
        CliRun missingModel = CliRun.of("finetune", "squad", "--model", dir.resolve("nope").toString(), "--train", broken.toString());
        assertThat(missingModel.exitCode()).isEqualTo(2);
        CliRun badData = CliRun.of("finetune", "squad", "--model", tinyBert(dir).toString(), "--train", broken.toString());
        assertThat(badData.exitCode()).isEqualTo(2);
        assertThat(badData.err().strip()).doesNotContain("\n").contains("broken.json").contains("paragraphs");
        CliRun badStride = CliRun.of("predict", "squad", "--model", dir.toString(), "--data", broken.toString(),
                "--doc-stride", "400");
        assertThat(badStride.exitCode()).isEqualTo(2);
        assertThat(badStride.err()).contains("--doc-stride");
    }
}
