package dev.jlm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * GPT-2's byte-level BPE against jtokkit's r50k_base (GPT-2's encoding, java.util.regex pre-tokenizer) for ids, and
 * against Hugging Face tokenizers (Rust, through DJL) for ids and offsets.
 */
class BpeParityTest {
    static Encoding reference;
    static Tokenizer gpt2;
    /** Real texts (SQuAD, Reuters, Shakespeare), hand-written edge cases and seeded random mixes of scripts. */
    static List<String> texts;

    @BeforeAll
    static void load() throws IOException {
        reference = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        gpt2 = Tokenizers.load("gpt2");
        texts = new ArrayList<>(TestTexts.sample(10_000));
        texts.addAll(TestTexts.fuzz(3_000, 50256));
    }

    /** jtokkit keeps special tokens out of ordinary encoding: encode the pieces between them and join with 50256. */
    static int[] expected(String text) {
        List<Integer> ids = new ArrayList<>();
        String[] parts = text.split(Pattern.quote("<|endoftext|>"), -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                ids.add(50256);
            }
            for (int id : reference.encodeOrdinary(parts[i]).toArray()) {
                ids.add(id);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void idsEqualJtokkitAndDecodingRestoresTheText() {
        assertThat(texts.size()).isGreaterThanOrEqualTo(13_000);
        for (String text : texts) {
            int[] ids = gpt2.encode(text).ids();
            assertThat(ids).as("ids of %s", text).containsExactly(expected(text));
            assertThat(gpt2.decode(ids, false)).as("round trip").isEqualTo(text);
        }
    }

    @Test
    void endOfTextInTextIsTheSpecialToken() {
        dev.jlm.text.Encoding e = gpt2.encode("Hello<|endoftext|> world");
        assertThat(e.ids()).containsExactly(15496, 50256, 995);
        assertThat(e.tokens()).containsExactly("Hello", "<|endoftext|>", "Ġworld");
        assertThat(e.offsets()[1]).containsExactly(5, 18);
        assertThat(gpt2.decode(e.ids(), true)).isEqualTo("Hello world");
        assertThat(gpt2.tokenToId("<|endoftext|>")).isEqualTo(50256);
        assertThat(gpt2.vocabSize()).isEqualTo(50257);
    }

    @Test
    void preTokenizerScannerEqualsGpt2sRegex() {
        // UNICODE_CHARACTER_CLASS: \s is Unicode White_Space, as in GPT-2's and tiktoken's regex engines.
        Pattern regex = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
                Pattern.UNICODE_CHARACTER_CLASS);
        for (String text : texts) {
            List<String> expected = new ArrayList<>();
            Matcher m = regex.matcher(text);
            while (m.find()) {
                expected.add(m.group());
            }
            char[] chars = text.toCharArray();
            List<String> actual = new ArrayList<>();
            ByteLevel.split(chars, 0, chars.length, (s, e) -> actual.add(new String(chars, s, e - s)));
            assertThat(actual).as("pre-tokens of %s", text).isEqualTo(expected);
        }
    }

    @Test
    void idsAndOffsetsEqualHuggingFace(@TempDir Path dir) throws IOException {
        gpt2.save(dir);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"))) {
            // Hugging Face through DJL is slow, so real texts are sampled here; edge cases and random mixes all run.
            List<String> some = new ArrayList<>(texts.subList(0, TestTexts.EDGE_CASES.size()));
            for (int i = TestTexts.EDGE_CASES.size(); i < texts.size(); i += i < 10_000 ? 7 : 1) {
                some.add(texts.get(i));
            }
            for (String text : some) {
                ai.djl.huggingface.tokenizers.Encoding expected = hf.encode(text);
                dev.jlm.text.Encoding actual = gpt2.encode(text);
                assertThat(actual.ids()).as("ids of %s", text).containsExactly(WordPieceParityTest.toInts(expected.getIds()));
                var spans = expected.getCharTokenSpans();
                for (int i = 0; i < actual.length(); i++) {
                    assertThat(actual.offsets()[i]).as("offsets of token %d (%s) of %s", i, actual.tokens().get(i), text)
                            .containsExactly(spans[i].getStart(), spans[i].getEnd());
                }
            }
        }
    }

    /** A BPE tokenizer.json may carry a template that adds special tokens; jlm applies and saves it as HF does. */
    @Test
    void templatePostProcessorAddsSpecialTokensAsHuggingFace(@TempDir Path dir) throws IOException {
        gpt2.save(dir);
        Path file = dir.resolve("tokenizer.json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
        root.set("post_processor", json.readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}],
                 "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
                          {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}],
                 "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [50256], "tokens": ["<|endoftext|>"]}}}"""));
        json.writeValue(file.toFile(), root);
        Tokenizer templated = Tokenizers.load(file.toString());
        Path resaved = dir.resolve("resaved");
        templated.save(resaved);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(resaved.resolve("tokenizer.json"),
                Map.of("padding", "false", "truncation", "false"))) {
            for (String[] texts : new String[][] {{"Hello world", null}, {"A question?", "Some context."}}) {
                dev.jlm.text.Encoding actual = templated.encode(texts[0], texts[1]);
                ai.djl.huggingface.tokenizers.Encoding expected = texts[1] == null ? hf.encode(texts[0]) : hf.encode(texts[0], texts[1]);
                assertThat(actual.ids()).containsExactly(WordPieceParityTest.toInts(expected.getIds()));
                assertThat(actual.typeIds()).containsExactly(WordPieceParityTest.toInts(expected.getTypeIds()));
                assertThat(actual.ids()[actual.length() - 1]).isEqualTo(50256);
            }
        }
    }

    @Test
    void aTokenHoldingPartOfACharacterSpansTheWholeCharacter() {
        // "😀" is 4 bytes, F0 9F 98 80; GPT-2 has no token for all four, so two tokens share the one code point.
        dev.jlm.text.Encoding e = gpt2.encode("a😀b");
        assertThat(e.tokens()).containsExactly("a", "ðŁĺ", "Ģ", "b");
        assertThat(e.offsets()).isDeepEqualTo(new int[][] {{0, 1}, {1, 2}, {1, 2}, {2, 3}});
    }

    @Test
    void batchEncodingOnAllCoresEqualsOneByOne() {
        List<dev.jlm.text.Encoding> batch = gpt2.encodeBatch(texts, EncodeOptions.DEFAULT);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i).ids()).as("ids of %s", texts.get(i)).containsExactly(gpt2.encode(texts.get(i)).ids());
        }
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void veryLongWordsMergeInNearLinearTime() {
        StringBuilder letters = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 30_000; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
        }
        assertThat(gpt2.encode(letters.toString()).ids()).containsExactly(expected(letters.toString()));
        // Rescanning all pairs for every merge would take minutes here.
        String repeated = "a".repeat(300_000);
        assertThat(gpt2.decode(gpt2.encode(repeated).ids(), false)).isEqualTo(repeated);
    }

    @Test
    void truncationWithOverflowWindowsAppliesToBpe() {
        dev.jlm.text.Encoding e = gpt2.encode("The quick brown fox jumps over the lazy dog", null,
                EncodeOptions.DEFAULT.withMaxLength(4, EncodeOptions.Truncation.LONGEST_FIRST).withOverflow(1));
        assertThat(e.ids()).containsExactly(464, 2068, 7586, 21831);
        assertThat(e.overflowing()).hasSize(2);
        assertThat(e.overflowing().get(0).ids()).containsExactly(21831, 18045, 625, 262);
        assertThat(e.overflowing().get(1).ids()).containsExactly(262, 16931, 3290);
        assertThat(e.overflowing().get(1).offsets()[2]).containsExactly(39, 43);
    }

    @Test
    void savedFilesLoadBackIdentically(@TempDir Path dir) throws IOException {
        gpt2.save(dir);
        assertThat(Files.readAllLines(dir.resolve("merges.txt"))).hasSize(50_001).startsWith("#version: 0.2", "Ġ t");
        Tokenizer fromFiles = BpeTokenizer.fromVocabAndMerges(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        Tokenizer fromJson = Tokenizers.load(dir.resolve("tokenizer.json").toString());
        Tokenizer fromRanks;
        try (InputStream in = Encodings.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken")) {
            Path ranks = dir.resolve("r50k_base.tiktoken");
            Files.copy(in, ranks);
            fromRanks = Tokenizers.load(ranks.toString());
        }
        for (String text : texts.subList(0, 500)) {
            int[] ids = gpt2.encode(text).ids();
            assertThat(fromFiles.encode(text).ids()).as("vocab.json + merges.txt: %s", text).containsExactly(ids);
            assertThat(fromJson.encode(text).ids()).as("tokenizer.json: %s", text).containsExactly(ids);
            if (!text.contains("<|endoftext|>")) {
                assertThat(fromRanks.encode(text).ids()).as("tiktoken ranks: %s", text).containsExactly(ids);
            }
        }
    }
}
