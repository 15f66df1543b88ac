package dev.jlm.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

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

    /**
     * minbpe's loop written plainly — recount every pair of every word after each merge — must choose the same merges
     * as the trainer's incremental counts.
     */
    @Test
    void incrementalPairCountsChooseTheMergesOfRecountingEverything() {
        List<String> texts = corpus.subList(0, 300);
        BpeTokenizer trained = TokenizerTrainer.trainBpe(texts, 1 + 256 + 300, 1, List.of("<|endoftext|>"), size -> { });

        List<String> symbols = new ArrayList<>(List.of("<|endoftext|>"));
        new TreeSet<>(new String(ByteLevel.BYTE_TO_CHAR).chars().mapToObj(c -> String.valueOf((char) c)).toList()).forEach(symbols::add);
        Map<List<String>, Long> words = new HashMap<>();
        for (String text : texts) {
            char[] chars = text.toCharArray();
            ByteLevel.split(chars, 0, chars.length, (s, e) -> {
                byte[] bytes = new String(chars, s, e - s).getBytes(StandardCharsets.UTF_8);
                words.merge(ByteLevel.encodeBytes(bytes, 0, bytes.length).chars().mapToObj(c -> String.valueOf((char) c)).toList(),
                        1L, Long::sum);
            });
        }
        List<String> merges = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
            Map<List<String>, Long> stats = new HashMap<>();
            words.forEach((word, count) -> {
                for (int i = 0; i + 1 < word.size(); i++) {
                    stats.merge(List.of(word.get(i), word.get(i + 1)), count, Long::sum);
                }
            });
            List<String> best = stats.keySet().stream().min(Comparator.comparingLong((List<String> p) -> -stats.get(p))
                    .thenComparingInt(p -> symbols.indexOf(p.get(0))).thenComparingInt(p -> symbols.indexOf(p.get(1)))).orElseThrow();
            merges.add(best.get(0) + " " + best.get(1));
            symbols.add(best.get(0) + best.get(1));
            Map<List<String>, Long> merged = new HashMap<>();
            words.forEach((word, count) -> {
                List<String> out = new ArrayList<>();
                for (int i = 0; i < word.size(); i++) {
                    if (i + 1 < word.size() && word.get(i).equals(best.get(0)) && word.get(i + 1).equals(best.get(1))) {
                        out.add(best.get(0) + best.get(1));
                        i++;
                    } else {
                        out.add(word.get(i));
                    }
                }
                merged.merge(out, count, Long::sum);
            });
            words.clear();
            words.putAll(merged);
        }
        assertThat(trained.merges()).extracting(m -> m[0] + " " + m[1]).containsExactlyElementsOf(merges);
        assertThat(trained.vocab()).containsExactlyElementsOf(symbols);
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
