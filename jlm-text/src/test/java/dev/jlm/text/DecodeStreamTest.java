package dev.jlm.text;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DecodeStreamTest {

    /** Each id's step, in order. */
    static List<String> steps(Tokenizer tokenizer, int[] ids, boolean skipSpecialTokens) {
        DecodeStream stream = tokenizer.decodeStream(skipSpecialTokens);
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(stream.step(id));
        }
        return out;
    }

    @Test
    void aCharacterSplitAcrossByteLevelTokensIsHeldBackUntilItsLastByte() throws IOException {
        Tokenizer gpt2 = Tokenizers.load("gpt2");
        String text = "Hi 😀 and 世界!";
        int[] ids = gpt2.encode(text).ids();
        List<String> steps = steps(gpt2, ids, true);
        // The test means something only if some token ends inside a character: decoding up to it gives U+FFFD.
        List<Integer> splitting = new ArrayList<>();
        for (int i = 1; i <= ids.length; i++) {
            if (gpt2.decode(Arrays.copyOf(ids, i), true).endsWith("\uFFFD")) {
                splitting.add(i - 1);
            }
        }
        assertThat(splitting).as("tokens ending inside a character").isNotEmpty();
        for (int i : splitting) {
            assertThat(steps.get(i)).as("step %d ends inside a character", i).isEmpty();
        }
        assertThat(steps).noneMatch(s -> s.contains("\uFFFD"));
        assertThat(String.join("", steps)).isEqualTo(text);
        // GPT-2 spends two tokens on 😀 and on each of 世 and 界 (three bytes each).
        assertThat(steps).containsExactly("Hi", "", " 😀", " and", " ", "", "世", "", "界", "!");
    }

    @Test
    void streamedTextEqualsTheFullDecodeOnMixedScriptsAndSpecialTokens() throws IOException {
        for (String name : List.of("gpt2", "bert-base-uncased")) {
            Tokenizer tokenizer = Tokenizers.load(name);
            for (String text : TestTexts.fuzz(500, 7)) {
                int[] ids = tokenizer.encode(text).ids();
                for (boolean skip : new boolean[] {true, false}) {
                    List<String> steps = steps(tokenizer, ids, skip);
                    String whole = tokenizer.decode(ids, skip);
                    assertThat(String.join("", steps)).as("%s, skip %s: %s", name, skip, text).isEqualTo(whole);
                    if (!whole.contains("\uFFFD")) {
                        assertThat(steps).as("%s: %s", name, text).noneMatch(s -> s.contains("\uFFFD"));
                    }
                }
            }
        }
    }

    @Test
    void wordPieceContinuationsJoinTheirWordAndWordsGetSpaces() throws IOException {
        Tokenizer bert = Tokenizers.load("bert-base-uncased");
        int[] ids = bert.encode("unaffable players").ids();
        List<String> steps = steps(bert, ids, true);
        List<String> tokens = Arrays.stream(ids).mapToObj(bert::idToToken).toList();
        assertThat(tokens).as("a word in pieces").anyMatch(t -> t.startsWith("##"));
        for (int i = 0; i < ids.length; i++) {
            String token = tokens.get(i);
            String expected = token.equals("[CLS]") || token.equals("[SEP]") ? ""
                    : token.startsWith("##") ? token.substring(2) : i == 1 ? token : " " + token;
            assertThat(steps.get(i)).as("step of %s", token).isEqualTo(expected);
        }
        assertThat(String.join("", steps)).isEqualTo("unaffable players");
    }

    @Test
    void specialTokensAreKeptUnlessSkipped() throws IOException {
        Tokenizer gpt2 = Tokenizers.load("gpt2");
        int[] ids = gpt2.encode("end<|endoftext|>start").ids();
        assertThat(String.join("", steps(gpt2, ids, true))).isEqualTo("endstart");
        assertThat(String.join("", steps(gpt2, ids, false))).isEqualTo("end<|endoftext|>start");
    }
}
