package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizeCliTest {
    final ObjectMapper json = new ObjectMapper();

    @Test
    void jsonContractWithSpecialTokensAndOffsets() throws IOException {
        CliRun run = CliRun.of("tokenize", "--tokenizer", "bert-base-uncased", "--json", "Paris is the [MASK] of France.");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode out = json.readTree(run.lastLine());
        assertThat(out.fieldNames()).toIterable().containsExactly("ids", "tokens", "offsets");
        assertThat(out.get("ids").get(0).asInt()).isEqualTo(101);
        assertThat(out.get("tokens").get(4).asText()).isEqualTo("[MASK]");
        assertThat(out.get("offsets").get(0).toString()).isEqualTo("[0,0]");
        assertThat(out.get("offsets").get(1).toString()).isEqualTo("[0,5]");
    }

    @Test
    void textsJsonPrintsOneObjectPerLineInOrder(@TempDir Path dir) throws IOException {
        Path texts = dir.resolve("texts.json");
        Files.writeString(texts, "[\"Hello world\", \"second text\", \"\"]");
        CliRun run = CliRun.of("tokenize", "--tokenizer", "gpt2", "--json", "--texts-json", texts.toString());
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(json.readTree(lines[0]).get("ids").toString()).isEqualTo("[15496,995]");
        assertThat(json.readTree(lines[2]).get("ids").size()).isZero();
    }

    @Test
    void trainsAndReloadsATokenizer(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the cat sat on the mat\nthe dog sat on the log\n".repeat(50));
        CliRun train = CliRun.of("tokenizer", "train", "--type", "wordpiece", "--vocab-size", "60", "--out",
                dir.resolve("wp").toString(), corpus.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        CliRun run = CliRun.of("tokenize", "--tokenizer", dir.resolve("wp").toString(), "--json", "the cat");
        assertThat(json.readTree(run.lastLine()).get("tokens").toString()).isEqualTo("[\"[CLS]\",\"the\",\"cat\",\"[SEP]\"]");
    }

    @Test
    void trainsAByteLevelBpeFromLatin1Files(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "Café au lait, s'il vous plaît.\nThe café sold 12 cafés.\n".repeat(40), StandardCharsets.ISO_8859_1);
        CliRun strict = CliRun.of("tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--out",
                dir.resolve("bpe").toString(), corpus.toString());
        assertThat(strict.exitCode()).isEqualTo(2);
        assertThat(strict.err().strip()).isEqualTo("jlm: " + corpus + ": not UTF-8 text (pass --encoding, e.g. ISO-8859-1)");

        CliRun train = CliRun.of("tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--encoding", "ISO-8859-1",
                "--special-tokens", "<|endoftext|>,<|pad|>", "--out", dir.resolve("bpe").toString(), corpus.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(dir.resolve("bpe")).isDirectoryContaining(p -> p.endsWith("merges.txt")).isDirectoryContaining(p -> p.endsWith("vocab.json"));
        CliRun run = CliRun.of("tokenize", "--tokenizer", dir.resolve("bpe").toString(), "--json", "The café<|pad|>\n");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode tokens = json.readTree(run.lastLine()).get("tokens");
        assertThat(tokens.get(0).asText()).isEqualTo("The");
        assertThat(tokens.toString()).contains("\"<|pad|>\"", "\"Ċ\"");
    }

    @Test
    void badTokenizerFilesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": 3}");
        CliRun run = CliRun.of("tokenize", "--tokenizer", bad.toString(), "x");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("jlm: " + bad).doesNotContain("\n");
        CliRun missing = CliRun.of("tokenize", "--tokenizer", "no-such-tokenizer", "x");
        assertThat(missing.err()).contains("no-such-tokenizer");
    }
}
