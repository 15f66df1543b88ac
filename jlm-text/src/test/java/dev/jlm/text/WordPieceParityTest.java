package dev.jlm.text;

import dev.jlm.fixtures.Fixtures;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.NativeResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** jlm's WordPiece against Hugging Face tokenizers (Rust, through DJL) on the same tokenizer.json. */
class WordPieceParityTest {
    static Path file;
    static HuggingFaceTokenizer reference;
    static Tokenizer jlm;

    @BeforeAll
    static void load(@TempDir Path dir) throws IOException {
        file = dir.resolve("tokenizer.json");
        try (InputStream in = WordPieceParityTest.class.getResourceAsStream("/dev/jlm/text/bert-base-uncased/tokenizer.json")) {
            Files.copy(in, file);
        }
        reference = HuggingFaceTokenizer.newInstance(file, Map.of("padding", "false", "truncation", "false"));
        jlm = Tokenizers.load("bert-base-uncased");
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void idsAndOffsetsEqualHuggingFaceOnTenThousandTexts() throws IOException {
        List<String> texts = TestTexts.sample(10_000);
        assertThat(texts.size()).isGreaterThanOrEqualTo(10_000);
        for (String text : texts) {
            ai.djl.huggingface.tokenizers.Encoding expected = reference.encode(text);
            Encoding actual = jlm.encode(text);
            assertThat(actual.ids()).as("ids of %s", text).containsExactly(toInts(expected.getIds()));
            var spans = expected.getCharTokenSpans();
            for (int i = 0; i < actual.length(); i++) {
                if (spans[i] == null) {
                    assertThat(actual.offsets()[i]).as("offset %d of %s", i, text).containsExactly(0, 0);
                } else {
                    assertThat(actual.offsets()[i]).as("offset %d (%s) of %s", i, actual.tokens().get(i), text)
                            .containsExactly(spans[i].getStart(), spans[i].getEnd());
                }
            }
        }
    }

    @Test
    void squadPairsWithOverflowWindowsEqualHuggingFace() throws IOException {
        var root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Fixtures.path("data/squad/dev-v1.1.json").toFile());
        try (HuggingFaceTokenizer windows = HuggingFaceTokenizer.builder().optTokenizerPath(file).optMaxLength(384)
                .optStride(128).optTruncateSecondOnly().optPadding(false).optWithOverflowingTokens(true).build()) {
            int pairs = 0;
            for (var article : root.get("data")) {
                var paragraph = article.get("paragraphs").get(0);
                String context = paragraph.get("context").asText();
                String question = paragraph.get("qas").get(0).get("question").asText();
                if (pairs++ >= 40) {
                    break;
                }
                ai.djl.huggingface.tokenizers.Encoding expected = windows.encode(question, context);
                Encoding actual = jlm.encode(question, context, EncodeOptions.DEFAULT
                        .withMaxLength(384, EncodeOptions.Truncation.ONLY_SECOND).withOverflow(128));
                assertThat(actual.overflowing().size()).isEqualTo(expected.getOverflowing().length);
                compare(expected, actual, question + " / " + context);
                for (int w = 0; w < actual.overflowing().size(); w++) {
                    compare(expected.getOverflowing()[w], actual.overflowing().get(w), "window " + w);
                }
            }
        }
    }

    private static void compare(ai.djl.huggingface.tokenizers.Encoding expected, Encoding actual, String what) {
        assertThat(actual.ids()).as("ids of %s", what).containsExactly(toInts(expected.getIds()));
        assertThat(actual.typeIds()).as("type ids of %s", what).containsExactly(toInts(expected.getTypeIds()));
        assertThat(actual.attentionMask()).containsExactly(toInts(expected.getAttentionMask()));
        var spans = expected.getCharTokenSpans();
        for (int i = 0; i < actual.length(); i++) {
            int[] span = spans[i] == null ? new int[] {0, 0} : new int[] {spans[i].getStart(), spans[i].getEnd()};
            assertThat(actual.offsets()[i]).as("offset %d of %s", i, what).containsExactly(span);
        }
    }

    @Test
    void decodeJoinsWordPiecesAndSkipsSpecialTokens() {
        Encoding e = jlm.encode("Hello, unbelievable world! Don't stop.");
        assertThat(jlm.decode(e.ids(), true)).isEqualTo(reference.decode(toLongs(e.ids()), true));
        assertThat(jlm.decode(e.ids(), false)).isEqualTo(reference.decode(toLongs(e.ids()), false));
    }

    @Test
    void paddingAndPairsWithoutOverflow() {
        Encoding e = jlm.encode("short", "pair", EncodeOptions.DEFAULT.withPadding(10));
        assertThat(e.ids()).hasSize(10);
        assertThat(e.tokens().subList(0, 5)).containsExactly("[CLS]", "short", "[SEP]", "pair", "[SEP]");
        assertThat(e.typeIds()).containsExactly(0, 0, 0, 1, 1, 0, 0, 0, 0, 0);
        assertThat(e.attentionMask()).containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
        assertThat(e.sequenceIds()).containsExactly(-1, 0, -1, 1, -1, -1, -1, -1, -1, -1);
    }

    @Test
    void missingOrMalformedVocabulariesAreOneLineErrors(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> Tokenizers.load(dir.resolve("nope.json").toString())).hasMessageContaining("nope.json");
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0, \"b\": 0}}}");
        assertThatThrownBy(() -> Tokenizers.load(bad.toString())).isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("repeated id");
        Files.writeString(bad, "{ not json");
        assertThatThrownBy(() -> Tokenizers.load(bad.toString())).hasMessageContaining("not valid JSON");
        Path vocab = dir.resolve("vocab.txt");
        Files.writeString(vocab, "hello\nworld\n");
        assertThatThrownBy(() -> Tokenizers.load(vocab.toString())).hasMessageContaining("not a BERT vocabulary");
    }

    static int[] toInts(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (int) values[i];
        }
        return out;
    }

    static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
