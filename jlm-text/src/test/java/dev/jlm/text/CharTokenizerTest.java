package dev.jlm.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** nanoGPT's shakespeare_char tokenizer: sorted distinct characters, one id each, saved as a small JSON file. */
class CharTokenizerTest {
    @Test
    void vocabularyIsTheSortedDistinctCharactersAndSurvivesSaving(@TempDir Path dir) throws IOException {
        CharTokenizer chars = CharTokenizer.train("hello, wörld 😀\n");
        assertThat(chars.vocabSize()).isEqualTo(12);
        assertThat(chars.idToToken(0)).isEqualTo("\n");
        assertThat(chars.idToToken(11)).isEqualTo("😀");
        Encoding e = chars.encode("löw 😀");
        assertThat(e.ids()).containsExactly(6, 10, 9, 1, 11);
        assertThat(e.offsets()[4]).containsExactly(4, 5);
        chars.save(dir);
        Tokenizer loaded = Tokenizers.load(dir.toString());
        assertThat(loaded.encode("hello, wörld 😀\n").ids()).containsExactly(chars.encode("hello, wörld 😀\n").ids());
        assertThat(loaded.decode(e.ids(), false)).isEqualTo("löw 😀");
    }

    @Test
    void unknownCharactersAndBadFilesAreClearErrors(@TempDir Path dir) throws IOException {
        CharTokenizer chars = CharTokenizer.train("abc");
        assertThatThrownBy(() -> chars.encode("abd")).hasMessage("character 'd' (U+64) at position 2 is not in the vocabulary");
        assertThatThrownBy(() -> chars.decode(new int[] {3}, false)).hasMessageContaining("token id 3 is outside the vocabulary of 3");
        Path file = dir.resolve(CharTokenizer.FILE_NAME);
        Files.writeString(file, "{\"type\": \"char\", \"chars\": \"ba\"}");
        assertThatThrownBy(() -> Tokenizers.load(file.toString())).hasMessage(file + ": \"chars\" must hold distinct characters in code-point order");
        Files.writeString(file, "{\"type\": \"bpe\"}");
        assertThatThrownBy(() -> Tokenizers.load(dir.toString())).hasMessageStartingWith(file + ": not a char tokenizer");
    }
}
