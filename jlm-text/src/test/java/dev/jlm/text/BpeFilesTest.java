package dev.jlm.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Missing or malformed BPE files: one-line errors that name the file and what is wrong with it. */
class BpeFilesTest {
    @TempDir
    Path dir;

    /** vocab.json with the 256 byte tokens (id = byte) and "ab", "abc"; merges.txt with "a b" and "ab c". */
    private Path[] smallBpe() throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]), b);
        }
        vocab.put("ab", 256);
        vocab.put("abc", 257);
        Path vocabJson = dir.resolve("vocab.json");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(vocabJson.toFile(), vocab);
        Path merges = dir.resolve("merges.txt");
        Files.writeString(merges, "#version: 0.2\na b\nab c\n");
        return new Path[] {vocabJson, merges};
    }

    private void assertOneLineError(ThrowingLoad load, Path file, String what) {
        assertThatThrownBy(load::run).isInstanceOf(IOException.class).hasMessageStartingWith(file.toString())
                .hasMessageContaining(what).message().doesNotContain("\n");
    }

    @FunctionalInterface
    private interface ThrowingLoad {
        void run() throws IOException;
    }

    @Test
    void aSmallVocabularyLoadsAndMerges() throws IOException {
        Path[] files = smallBpe();
        Tokenizer bpe = Tokenizers.load(dir.toString());
        assertThat(bpe.encode("abcab").tokens()).containsExactly("abc", "ab");
        assertThat(BpeTokenizer.fromVocabAndMerges(files[0], files[1]).encode("xabc").ids()).containsExactly((int) 'x', 257);
    }

    @Test
    void missingFiles() throws IOException {
        Path[] files = smallBpe();
        Path absent = dir.resolve("absent.json");
        assertOneLineError(() -> BpeTokenizer.fromVocabAndMerges(absent, files[1]), absent, "not found");
        Path noMerges = dir.resolve("absent.txt");
        assertOneLineError(() -> BpeTokenizer.fromVocabAndMerges(files[0], noMerges), noMerges, "not found");
    }

    @Test
    void malformedVocabJson() throws IOException {
        Path[] files = smallBpe();
        Files.writeString(files[0], "{\"a\": 0,");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[0], "not valid JSON");
        Files.writeString(files[0], "[\"a\", \"b\"]");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[0], "non-empty JSON object of token → id");
        Files.writeString(files[0], "{\"a\": 0, \"b\": 0}");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[0], "repeated id");
        Files.writeString(files[0], "{\"a\": 0, \"b\": 1}");
        Files.writeString(files[1], "");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[0], "lacks the byte-level token for byte 0");
    }

    @Test
    void malformedMergesTxt() throws IOException {
        Path[] files = smallBpe();
        Files.writeString(files[1], "#version: 0.2\na b c\n");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[1], "line 2 is not two tokens separated by one space");
        Files.writeString(files[1], "a b\nab q\n");
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[1], "line 2 ('ab q') needs the token 'abq', which vocab.json lacks");
        Files.write(files[1], new byte[] {'a', ' ', (byte) 0xff, '\n'});
        assertOneLineError(() -> Tokenizers.load(dir.toString()), files[1], "not UTF-8 text");
    }

    /** A tiktoken file: base64 of each token's bytes and its rank. */
    private Path ranks(String... lines) throws IOException {
        Path file = dir.resolve("ranks.tiktoken");
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static String line(String token, int rank) {
        return Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.ISO_8859_1)) + " " + rank;
    }

    private static String[] bytesAnd(String... more) {
        String[] lines = new String[256 + more.length];
        for (int b = 0; b < 256; b++) {
            lines[b] = line(String.valueOf((char) b), b);
        }
        for (int i = 0; i < more.length; i++) {
            lines[256 + i] = line(more[i], 256 + i);
        }
        return lines;
    }

    @Test
    void tiktokenRanksLoadWithRecoveredMerges() throws IOException {
        Path file = ranks(bytesAnd("ab", "abc", "ca"));
        BpeTokenizer bpe = (BpeTokenizer) Tokenizers.load(file.toString());
        assertThat(bpe.merges()).extracting(m -> m[0] + " " + m[1]).containsExactly("a b", "ab c", "c a");
        assertThat(bpe.encode("abca").ids()).containsExactly(257, 'a');
    }

    @Test
    void malformedTiktokenRanks() throws IOException {
        Path file = ranks("!!notbase64 0");
        assertOneLineError(() -> Tokenizers.load(file.toString()), file, "line 1 is not '<base64 token> <rank>'");
        ranks(line("a", 0), line("b", 2));
        assertOneLineError(() -> Tokenizers.load(file.toString()), file, "rank 1 is missing");
        ranks(line("a", 0), line("b", 0));
        assertOneLineError(() -> Tokenizers.load(file.toString()), file, "line 2 repeats rank 0");
        String[] lines = bytesAnd("ab");
        lines[255] = line("ba", 255);
        ranks(lines);
        assertOneLineError(() -> Tokenizers.load(file.toString()), file, "no token for the single byte 255");
        ranks(bytesAnd("abc"));
        assertOneLineError(() -> Tokenizers.load(file.toString()), file, "the token of rank 256 is not a merge of two lower-ranked tokens");
    }

    /** Hugging Face's own gpt2 tokenizer.json differs from what jlm writes: ByteLevel post-processor, merges as pairs. */
    @Test
    void huggingFacesGpt2LayoutLoads() throws IOException {
        Tokenizer gpt2 = Tokenizers.load("gpt2");
        gpt2.save(dir);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("tokenizer.json").toFile());
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false)
                .put("use_regex", true);
        var model = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("model");
        model.put("continuing_subword_prefix", "").put("end_of_word_suffix", "").put("ignore_merges", false);
        var pairs = json.createArrayNode();
        model.get("merges").forEach(m -> pairs.add(json.createArrayNode().add(m.asText().split(" ")[0]).add(m.asText().split(" ")[1])));
        model.set("merges", pairs);
        Path file = dir.resolve("hf-tokenizer.json");
        json.writeValue(file.toFile(), root);
        Tokenizer loaded = Tokenizers.load(file.toString());
        for (String text : TestTexts.EDGE_CASES) {
            assertThat(loaded.encode(text).ids()).as(text).containsExactly(gpt2.encode(text).ids());
        }
    }

    @Test
    void tokenizerJsonOptionsJlmDoesNotImplementAreErrors() throws IOException {
        Tokenizers.load("gpt2").save(dir);
        Path json = dir.resolve("tokenizer.json");
        String original = Files.readString(json);
        Map<String, String> edits = Map.of(
                "\"type\" : \"ByteLevel\",\n    \"add_prefix_space\" : false", "pre_tokenizer add_prefix_space: true",
                "\"normalizer\" : null", "a normalizer with BPE",
                "\"pre_tokenizer\" : {\n    \"type\" : \"ByteLevel\"", "not 'Whitespace'");
        for (var edit : edits.entrySet()) {
            String changed = switch (edit.getValue()) {
                case "pre_tokenizer add_prefix_space: true" -> original.replaceFirst("\"add_prefix_space\" : false", "\"add_prefix_space\" : true");
                case "a normalizer with BPE" -> original.replace("\"normalizer\" : null", "\"normalizer\" : {\"type\": \"NFC\"}");
                default -> original.replaceFirst("\"type\" : \"ByteLevel\"", "\"type\" : \"Whitespace\"");
            };
            assertThat(changed).isNotEqualTo(original);
            Files.writeString(json, changed);
            assertOneLineError(() -> Tokenizers.load(json.toString()), json, edit.getValue());
        }
    }
}
