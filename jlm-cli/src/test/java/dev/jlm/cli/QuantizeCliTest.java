package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code jlm quantize} writes checkpoints that {@code perplexity}, {@code generate} and {@code embed} load. */
class QuantizeCliTest {
    @Test
    void aQuantizedGptScoresAndGeneratesLikeItsFloatModel(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the quick brown fox jumps over the lazy dog\n".repeat(200));
        Path run = dir.resolve("run");
        CliRun train = CliRun.of("train", "gpt", "--data", corpus.toString(), "--out", run.toString(), "--n-layer", "1", "--n-head", "2",
                "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--max-iters", "30", "--warmup-iters", "5",
                "--eval-interval", "10", "--eval-iters", "2", "--quiet");
        assertThat(train.exitCode()).as(train.err()).isZero();
        Path fp32 = run;
        Path int8 = dir.resolve("int8");
        CliRun quantize = CliRun.of("quantize", "--model", fp32.toString(), "--dtype", "int8", "--out", int8.toString());
        assertThat(quantize.exitCode()).as(quantize.err()).isZero();
        assertThat(quantize.out()).contains("wrote " + int8).contains("as int8");
        JsonNode config = new ObjectMapper().readTree(int8.resolve("config.json").toFile());
        assertThat(config.path("quantization_config").path("dtype").asText()).isEqualTo("int8");

        double[] perplexity = new double[2];
        Path[] models = {fp32, int8};
        for (int i = 0; i < 2; i++) {
            CliRun score = CliRun.of("perplexity", "--model", models[i].toString(), "--text-file", corpus.toString(), "--json");
            assertThat(score.exitCode()).as(score.err()).isZero();
            perplexity[i] = new ObjectMapper().readTree(score.out()).get("perplexity").asDouble();
        }
        assertThat(perplexity[1]).isCloseTo(perplexity[0], within(0.01 * perplexity[0]));
        CliRun generate = CliRun.of("generate", "--model", int8.toString(), "--prompt", "the quick", "--max-new-tokens", "8", "--greedy");
        assertThat(generate.exitCode()).as(generate.err()).isZero();
        assertThat(generate.out()).startsWith("the quick");
    }

    @Test
    void aQuantizedMiniLmEmbeds(@TempDir Path dir) throws IOException {
        System.setProperty("jlm.cache", dir.resolve("cache").toString());
        Path bf16 = dir.resolve("bf16");
        CliRun quantize = CliRun.of("quantize", "--model", "sentence-transformers/all-MiniLM-L6-v2", "--dtype", "bf16", "--out", bf16.toString());
        assertThat(quantize.exitCode()).as(quantize.err()).isZero();
        CliRun embed = CliRun.of("embed", "--model", bf16.toString(), "--json", "a quantized encoder");
        assertThat(embed.exitCode()).as(embed.err()).isZero();
        assertThat(new ObjectMapper().readTree(embed.out()).get("embeddings").get(0).size()).isEqualTo(384);
    }

    @Test
    void anUnknownDtypeIsAOneLineUsageError(@TempDir Path dir) {
        CliRun run = CliRun.of("quantize", "--model", dir.toString(), "--dtype", "int4", "--out", dir.resolve("out").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("jlm: --dtype 'int4' is not one of int8, bf16, fp16");
    }
}
