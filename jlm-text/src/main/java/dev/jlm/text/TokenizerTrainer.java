package dev.jlm.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * Trains byte-level BPE (GPT-2 style) and WordPiece (BERT style) vocabularies from text, deterministically:
 * pre-tokenize, count words, then run {@link MergeTrainer}.
 */
public final class TokenizerTrainer {
    private TokenizerTrainer() {
    }

    /**
     * A byte-level BPE with {@code vocabSize} tokens: the special tokens, the 256 byte tokens in character order (as
     * Hugging Face's trainer orders them), then one token per merge. Special tokens in the texts are left out of
     * the counts, as they are matched whole when encoding.
     *
     * @param minFrequency merge only pairs seen at least this often
     * @param progress     receives the vocabulary size after each merge
     */
    public static BpeTokenizer trainBpe(List<String> texts, int vocabSize, int minFrequency, List<String> specialTokens,
                                        IntConsumer progress) {
        if (specialTokens.stream().anyMatch(String::isEmpty) || new HashSet<>(specialTokens).size() != specialTokens.size()) {
            throw new IllegalArgumentException("special tokens must be distinct and non-empty: " + specialTokens);
        }
        List<String> symbols = new ArrayList<>(specialTokens);
        char[] alphabet = ByteLevel.BYTE_TO_CHAR.clone();
        Arrays.sort(alphabet);
        int[] symbolOfChar = new int[ByteLevel.CHAR_TO_BYTE.length];
        for (char c : alphabet) {
            if (symbols.contains(String.valueOf(c))) {
                throw new IllegalArgumentException("special token '" + c + "' is also a byte token");
            }
            symbolOfChar[c] = symbols.size();
            symbols.add(String.valueOf(c));
        }
        checkSize(vocabSize, symbols.size());
        Map<String, Long> words = countWords(texts, (text, sink) -> {
            for (String stretch : withoutSpecialTokens(text, specialTokens)) {
                char[] chars = stretch.toCharArray();
                ByteLevel.split(chars, 0, chars.length, (start, end) -> {
                    byte[] bytes = new String(chars, start, end - start).getBytes(StandardCharsets.UTF_8);
                    sink.add(ByteLevel.encodeBytes(bytes, 0, bytes.length));
                });
            }
        });
        MergeTrainer trainer = new MergeTrainer(symbols, String::concat);
        words.forEach((word, count) -> trainer.addWord(word.chars().map(c -> symbolOfChar[c]).toArray(), count));
        MergeTrainer.Result result = trainer.train(vocabSize, minFrequency, progress);
        List<AddedToken> added = new ArrayList<>();
        for (int i = 0; i < specialTokens.size(); i++) {
            added.add(new AddedToken(specialTokens.get(i), i, true));
        }
        return new BpeTokenizer(result.symbols(), result.merges(), added, Template.NONE);
    }

    /** The stretches of {@code text} between occurrences of the special tokens. */
    private static List<String> withoutSpecialTokens(String text, List<String> specialTokens) {
        List<String> stretches = new ArrayList<>();
        int start = 0;
        while (true) {
            int at = -1;
            int length = 0;
            for (String special : specialTokens) {
                int found = text.indexOf(special, start);
                if (found >= 0 && (at < 0 || found < at || (found == at && special.length() > length))) {
                    at = found;
                    length = special.length();
                }
            }
            stretches.add(text.substring(start, at < 0 ? text.length() : at));
            if (at < 0) {
                return stretches;
            }
            start = at + length;
        }
    }

    /**
     * A lower-casing BERT WordPiece vocabulary of {@code vocabSize} tokens: special tokens, every character seen (as
     * itself when it starts a word, as {@code ##c} inside one), then merged pieces — Hugging Face's WordPiece trainer.
     */
    public static WordPieceTokenizer trainWordPiece(List<String> texts, int vocabSize, int minFrequency, IntConsumer progress) {
        List<String> specials = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
        BertNormalizer normalizer = new BertNormalizer(true, true, true, true);
        Map<String, Long> counts = countWords(texts, (text, sink) -> {
            Normalized n = normalizer.apply(Normalized.of(text, 0));
            int i = 0;
            while (i < n.length) {
                int cp = n.chars[i];
                if (BertNormalizer.isWhitespace(cp)) {
                    i++;
                } else if (BertNormalizer.isPunctuation(cp)) {
                    sink.add(n.substring(i, i + 1));
                    i++;
                } else {
                    int start = i;
                    while (i < n.length && !BertNormalizer.isWhitespace(n.chars[i]) && !BertNormalizer.isPunctuation(n.chars[i])) {
                        i++;
                    }
                    if (i - start <= WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD) {
                        sink.add(n.substring(start, i));
                    }
                }
            }
        });
        TreeSet<String> alphabet = new TreeSet<>();
        counts.keySet().forEach(word -> {
            int[] cps = word.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                alphabet.add(i == 0 ? Character.toString(cps[i]) : "##" + Character.toString(cps[i]));
            }
        });
        List<String> symbols = new ArrayList<>(specials);
        Map<String, Integer> index = new HashMap<>();
        for (String symbol : alphabet) {
            index.put(symbol, symbols.size());
            symbols.add(symbol);
        }
        checkSize(vocabSize, symbols.size());
        MergeTrainer trainer = new MergeTrainer(symbols, (a, b) -> a + b.substring(2));
        counts.forEach((word, count) -> {
            int[] cps = word.codePoints().toArray();
            int[] ids = new int[cps.length];
            for (int i = 0; i < cps.length; i++) {
                ids[i] = index.get(i == 0 ? Character.toString(cps[i]) : "##" + Character.toString(cps[i]));
            }
            trainer.addWord(ids, count);
        });
        List<String> vocab = trainer.train(vocabSize, minFrequency, progress).symbols();
        List<AddedToken> added = new ArrayList<>();
        for (String special : specials) {
            added.add(new AddedToken(special, vocab.indexOf(special), true));
        }
        Template template = Template.bert(new Template.Special("[CLS]", vocab.indexOf("[CLS]")),
                new Template.Special("[SEP]", vocab.indexOf("[SEP]")));
        return new WordPieceTokenizer(vocab, "[UNK]", "##", normalizer, added, template, "[PAD]");
    }

    private static void checkSize(int vocabSize, int base) {
        if (vocabSize < base) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below the " + base
                    + " special and alphabet tokens it must hold");
        }
    }

    /** Receives the words of one text. */
    private interface WordSplitter {
        void split(String text, List<String> sink);
    }

    /** Word frequencies over all texts, counted on all cores; sorted so that training order never depends on threads. */
    private static Map<String, Long> countWords(List<String> texts, WordSplitter splitter) {
        ConcurrentHashMap<String, Long> counts = new ConcurrentHashMap<>();
        texts.parallelStream().forEach(text -> {
            List<String> words = new ArrayList<>();
            splitter.split(text, words);
            Map<String, Long> local = new HashMap<>();
            words.forEach(w -> local.merge(w, 1L, Long::sum));
            local.forEach((w, c) -> counts.merge(w, c, Long::sum));
        });
        return new TreeMap<>(counts);
    }
}
