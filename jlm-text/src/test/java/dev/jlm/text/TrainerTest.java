package dev.jlm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Trained tokenizers: deterministic, and their tokenizer.json means the same to jlm and to Hugging Face. */
class TrainerTest {
    static List<String> corpus;
    static List<String> probes;

    @BeforeAll
    static void texts() throws IOException {
        List<String> all = TestTexts.sample(4000);
        corpus = all.subList(TestTexts.EDGE_CASES.size(), all.size());
        probes = all.subList(0, 400);
    }

    @Test
    void bytelevelBpeTrainsDeterministicallyAndLoadsInHuggingFace(@TempDir Path dir) throws IOException {
        BpeTokenizer first = TokenizerTrainer.trainBpe(corpus, 1200, 2, List.of("<|endoftext|>"), size -> { });
        BpeTokenizer second = TokenizerTrainer.trainBpe(corpus, 1200, 2, List.of("<|endoftext|>"), size -> { });
        assertThat(first.vocabSize()).isEqualTo(1200);
        assertThat(second.merges()).usingRecursiveComparison().isEqualTo(first.merges());
        first.save(dir);
        Tokenizer reloaded = Tokenizers.load(dir.toString());
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"))) {
            for (String text : probes) {
                int[] ids = first.encode(text).ids();
                assertThat(reloaded.encode(text).ids()).as("jlm reload of %s", text).containsExactly(ids);
                assertThat(WordPieceParityTest.toInts(hf.encode(text).getIds())).as("HF on %s", text).containsExactly(ids);
                assertThat(first.decode(ids, false)).isEqualTo(text);
            }
        }
    }

    @Test
    void wordPieceTrainsAndLoadsInHuggingFace(@TempDir Path dir) throws IOException {
        WordPieceTokenizer trained = TokenizerTrainer.trainWordPiece(corpus, 2000, 2, size -> { });
        assertThat(trained.vocabSize()).isEqualTo(2000);
        assertThat(trained.idToToken(0)).isEqualTo("[PAD]");
        trained.save(dir);
        Tokenizer reloaded = Tokenizers.load(dir.resolve("tokenizer.json").toString());
        Tokenizer fromVocab = Tokenizers.load(dir.resolve("vocab.txt").toString());
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("padding", "false", "truncation", "false"))) {
            for (String text : probes) {
                int[] ids = trained.encode(text).ids();
                assertThat(reloaded.encode(text).ids()).as("jlm reload of %s", text).containsExactly(ids);
                assertThat(fromVocab.encode(text).ids()).as("vocab.txt of %s", text).containsExactly(ids);
                assertThat(WordPieceParityTest.toInts(hf.encode(text).getIds())).as("HF on %s", text).containsExactly(ids);
            }
        }
    }
}
