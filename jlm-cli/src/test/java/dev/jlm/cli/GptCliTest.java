package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GptCliTest {
    static Path corpus;

    @BeforeAll
    static void corpus(@TempDir Path dir) throws IOException {
        corpus = dir.resolve("corpus.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            text.append("the quick brown fox ").append(i % 7).append(" jumps over the lazy dog\n");
        }
        Files.writeString(corpus, text);
    }

    static String[] tiny(Path out, int maxIters, String... extra) {
        String[] base = {"train", "gpt", "--data", corpus.toString(), "--out", out.toString(), "--n-layer", "1", "--n-head", "2",
                "--n-embd", "16", "--block-size", "16", "--batch-size", "4", "--max-iters", String.valueOf(maxIters),
                "--lr-decay-iters", "30", "--warmup-iters", "5", "--eval-interval", "10", "--eval-iters", "2", "--quiet"};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return args;
    }

    static float[] weights(Path dir) throws IOException {
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            return st.tensor("transformer.h.0.mlp.c_fc.weight").toArray();
        }
    }

    /** The loop's resume is tested in TrainerTest; this covers what GPT adds: its weights and tokenizer read back from last/. */
    @Test
    void aStoppedRunContinuesFromItsLastCheckpoint(@TempDir Path dir) throws IOException {
        Path straight = dir.resolve("straight");
        Path resumed = dir.resolve("resumed");
        assertThat(CliRun.of(tiny(straight, 30)).exitCode()).isZero();
        assertThat(CliRun.of(tiny(resumed, 20)).exitCode()).isZero();
        JsonNode state = new ObjectMapper().readTree(resumed.resolve("last/trainer_state.json").toFile());
        assertThat(state.get("step").asInt()).isEqualTo(20);
        CliRun second = CliRun.of(tiny(resumed, 30));
        assertThat(second.exitCode()).as(second.err()).isZero();
        // Same batches, same optimizer state: the resumed run ends where the uninterrupted one does. Not bit for bit:
        // a fresh JVM runs its first steps before the JIT compiles the SIMD exp, whose last bit can differ.
        float[] expected = weights(straight.resolve("last"));
        float[] actual = weights(resumed.resolve("last"));
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("weight %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(resumed.resolve("loss.png")).exists();
        assertThat(Files.readAllLines(resumed.resolve("metrics.jsonl"))).anyMatch(l -> l.contains("\"val_loss\""));
    }

    @Test
    void generatesAndScoresWithTheTrainedModel(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("m");
        assertThat(CliRun.of(tiny(out, 10)).exitCode()).isZero();
        CliRun gen = CliRun.of("generate", "--model", out.toString(), "--prompt-ids", "1,2,3", "--max-new-tokens", "5",
                "--greedy", "--json");
        assertThat(gen.exitCode()).as(gen.err()).isZero();
        JsonNode ids = new ObjectMapper().readTree(gen.lastLine()).get("ids");
        assertThat(ids.size()).isEqualTo(8);
        assertThat(ids.get(0).asInt()).isEqualTo(1);
        Path tokens = dir.resolve("tokens.json");
        Files.writeString(tokens, "{\"input_ids\": [[1, 2, 3, 4], [4, 3, 2, 1]]}");
        CliRun ppl = CliRun.of("perplexity", "--model", out.toString(), "--token-file", tokens.toString(), "--json");
        JsonNode result = new ObjectMapper().readTree(ppl.lastLine());
        assertThat(result.get("tokens").asInt()).isEqualTo(6);
        assertThat(result.get("perplexity").asDouble()).isCloseTo(Math.exp(result.get("loss").asDouble()),
                org.assertj.core.data.Offset.offset(1e-6));
        CliRun sample = CliRun.of("generate", "--model", out.toString(), "--prompt", "the", "--max-new-tokens", "10",
                "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9", "--repetition-penalty", "1.2", "--seed", "3");
        assertThat(sample.exitCode()).as(sample.err()).isZero();
        assertThat(sample.out()).startsWith("the");
    }

    @Test
    void badInputIsOneLineErrorsNotStackTraces(@TempDir Path dir) throws IOException {
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        Path small = dir.resolve("small.txt");
        Files.writeString(small, "just a few words here, not many at all, really quite few");
        Path bert = dir.resolve("bert");
        Files.createDirectories(bert);
        Files.writeString(bert.resolve("config.json"), "{\"model_type\": \"bert\", \"vocab_size\": 10}");
        Files.writeString(bert.resolve("model.safetensors"), "x");
        Path corrupt = dir.resolve("corrupt");
        assertThat(CliRun.of(tiny(corrupt, 1)).exitCode()).isZero();
        Files.write(corrupt.resolve("model.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}'});

        String[][] cases = {
                {"train", "gpt", "--data", dir.resolve("missing.txt").toString(), "--out", dir.resolve("o1").toString()},
                {"train", "gpt", "--data", empty.toString(), "--out", dir.resolve("o2").toString()},
                {"train", "gpt", "--data", small.toString(), "--out", dir.resolve("o3").toString(), "--block-size", "64"},
                {"generate", "--model", bert.toString(), "--prompt-ids", "1"},
                {"generate", "--model", corrupt.toString(), "--prompt-ids", "1"},
                {"generate", "--model", corrupt.toString()},
                {"perplexity", "--model", bert.toString(), "--text-file", small.toString()},
                {"generate", "--model", corrupt.toString(), "--prompt-ids", "1,x"},
                {"generate", "--model", corrupt.toString(), "--no-such-flag"},
        };
        String[] expected = {"corpus not found", "corpus is empty", "block size", "model_type is 'bert'", "model.safetensors",
                "exactly one of --prompt and --prompt-ids", "model_type is 'bert'",
                "'--prompt-ids' (<promptIds>): 'x' is not an int (see 'jlm generate --help')", "Unknown option: '--no-such-flag'"};
        for (int i = 0; i < cases.length; i++) {
            CliRun run = CliRun.of(cases[i]);
            assertThat(run.exitCode()).as(String.join(" ", cases[i])).isNotZero();
            String err = run.err().strip();
            assertThat(err).as(String.join(" ", cases[i])).contains(expected[i]).doesNotContain("\n").doesNotContain("Exception");
        }
    }
}
