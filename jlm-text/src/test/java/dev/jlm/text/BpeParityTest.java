package dev.jlm.text;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** GPT-2's byte-level BPE against jtokkit's r50k_base (GPT-2's encoding). */
class BpeParityTest {
    static Encoding reference;
    static Tokenizer gpt2;

    @BeforeAll
    static void load() throws IOException {
        reference = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        gpt2 = Tokenizers.load("gpt2");
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
    void idsEqualJtokkitAndDecodingRestoresTheText() throws IOException {
        List<String> texts = TestTexts.sample(10_000);
        assertThat(texts.size()).isGreaterThanOrEqualTo(10_000);
        for (String text : texts) {
            int[] ids = gpt2.encode(text).ids();
            assertThat(ids).as("ids of %s", text).containsExactly(expected(text));
            assertThat(gpt2.decode(ids, false)).as("round trip").isEqualTo(text);
        }
    }

    @Test
    void pretokenizerFollowsGpt2sRegex() {
        Pattern regex = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        for (String text : TestTexts.EDGE_CASES) {
            List<String> expected = new ArrayList<>();
            var m = regex.matcher(text);
            while (m.find()) {
                expected.add(m.group());
            }
            char[] chars = text.toCharArray();
            List<String> actual = new ArrayList<>();
            ByteLevel.split(chars, 0, chars.length, (s, e) -> actual.add(new String(chars, s, e - s)));
            if (text.chars().allMatch(c -> c < 128)) {
                // java.util.regex's \s is ASCII-only; on ASCII text the two must agree exactly.
                assertThat(actual).as(text).isEqualTo(expected);
            }
            assertThat(String.join("", actual)).isEqualTo(text);
        }
    }

    @Test
    void offsetsCoverTheTextAndSplitCharactersCountForBoth() {
        var e = gpt2.encode("Hello wörld 😀!");
        assertThat(e.offsets()[0]).containsExactly(0, 5);
        assertThat(e.offsets()[e.length() - 1]).containsExactly(13, 14);
        for (int[] span : e.offsets()) {
            assertThat(span[1]).isGreaterThan(span[0]);
        }
    }

    @Test
    void savedVocabAndMergesLoadBackIdentically(@TempDir Path dir) throws IOException {
        gpt2.save(dir);
        Tokenizer fromFiles = BpeTokenizer.fromVocabAndMerges(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        Tokenizer fromJson = Tokenizers.load(dir.resolve("tokenizer.json").toString());
        for (String text : TestTexts.EDGE_CASES) {
            assertThat(fromFiles.encode(text).ids()).isEqualTo(gpt2.encode(text).ids());
            assertThat(fromJson.encode(text).ids()).isEqualTo(gpt2.encode(text).ids());
        }
        assertThat(Files.readAllLines(dir.resolve("merges.txt")).size()).isEqualTo(50001);
    }

    @Test
    void malformedFilesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        Files.writeString(vocab, "{\"a\": 0}");
        Files.writeString(merges, "#version: 0.2\na b c\n");
        assertThatThrownBy(() -> BpeTokenizer.fromVocabAndMerges(vocab, merges)).hasMessageContaining("merges.txt: line 2");
        Files.writeString(merges, "a b\n");
        assertThatThrownBy(() -> BpeTokenizer.fromVocabAndMerges(vocab, merges)).hasMessageContaining("vocab.json")
                .hasMessageContaining("byte-level token");
        assertThatThrownBy(() -> BpeTokenizer.fromVocabAndMerges(dir.resolve("none.json"), merges)).hasMessageContaining("none.json");
        Path ranks = dir.resolve("bad.tiktoken");
        Files.writeString(ranks, "!!notbase64 x\n");
        assertThatThrownBy(() -> Tokenizers.load(ranks.toString())).hasMessageContaining("line 1");
    }
}
