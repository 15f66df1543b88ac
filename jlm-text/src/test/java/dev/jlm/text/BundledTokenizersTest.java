package dev.jlm.text;

import dev.jlm.fixtures.Fixtures;
import com.knuddels.jtokkit.Encodings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundled tokenizer files are derived, not hand-made: {@code gpt2}'s vocab.json and merges.txt from the public
 * r50k_base ranks (shipped in jtokkit's jar), {@code char}'s vocabulary from tiny Shakespeare. Running this test with
 * {@code -Djlm.regenerate=true} rewrites them.
 */
class BundledTokenizersTest {
    private static final Path RESOURCES = Path.of("src/main/resources/dev/jlm/text");
    private static final boolean REGENERATE = Boolean.getBoolean("jlm.regenerate");

    @Test
    void gpt2FilesAreTheR50kRanksWithTheirRecoveredMerges(@TempDir Path dir) throws IOException {
        BpeTokenizer derived;
        try (InputStream in = Encodings.class.getResourceAsStream("/com/knuddels/jtokkit/r50k_base.tiktoken")) {
            derived = BpeTokenizer.fromTiktoken(in, "r50k_base.tiktoken", Map.of("<|endoftext|>", 50256));
        }
        assertThat(derived.vocabSize()).isEqualTo(50257);
        assertThat(derived.merges()).hasSize(50000);
        derived.save(dir);
        for (String name : List.of("vocab.json", "merges.txt")) {
            Path bundled = RESOURCES.resolve("gpt2").resolve(name + ".gz");
            byte[] expected = Files.readAllBytes(dir.resolve(name));
            if (REGENERATE) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bundled))) {
                    out.write(expected);
                }
            }
            try (InputStream in = new GZIPInputStream(Files.newInputStream(bundled))) {
                assertThat(in.readAllBytes()).as(bundled.toString()).isEqualTo(expected);
            }
        }
    }

    @Test
    void charIsTheShakespeareCharVocabulary(@TempDir Path dir) throws IOException {
        CharTokenizer derived = CharTokenizer.train(Files.readString(Fixtures.path("data/shakespeare/input.txt")));
        assertThat(derived.vocabSize()).isEqualTo(65);
        derived.save(dir);
        Path bundled = RESOURCES.resolve("char").resolve(CharTokenizer.FILE_NAME);
        if (REGENERATE) {
            Files.copy(dir.resolve(CharTokenizer.FILE_NAME), bundled, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Files.readString(bundled)).isEqualTo(Files.readString(dir.resolve(CharTokenizer.FILE_NAME)));
        Tokenizer named = Tokenizers.load("char");
        assertThat(named.decode(named.encode("ROMEO:\nO, she doth teach the torches to burn bright!").ids(), false))
                .isEqualTo("ROMEO:\nO, she doth teach the torches to burn bright!");
        assertThat(named.idToToken(0)).isEqualTo("\n");
    }
}
