package dev.jlm.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.IntConsumer;

/**
 * The merge loop both trainers share, minbpe's {@code train} over a word-frequency table: find the most frequent
 * pair of adjacent symbols, make it a new symbol, replace it in every word, repeat. Ties go to the pair of lower
 * symbol ids, so the same input always gives the same merges. The speed-ups (pair counts updated only in the words a
 * merge touches, a heap for the most frequent pair) live in {@link PairCounts}.
 */
final class MergeTrainer {
    /** The vocabulary in id order and the merges in the order they were made. */
    record Result(List<String> symbols, List<String[]> merges) {
    }

    private final List<String> symbols;
    private final List<int[]> words = new ArrayList<>();
    private final List<Long> frequencies = new ArrayList<>();
    private final BinaryOperator<String> join;

    /**
     * @param symbols initial vocabulary (special tokens and alphabet); word symbols index into it
     * @param join    the string of a merged pair (plain concatenation for BPE; WordPiece drops the right's "##")
     */
    MergeTrainer(List<String> symbols, BinaryOperator<String> join) {
        this.symbols = new ArrayList<>(symbols);
        this.join = join;
    }

    /** One distinct word as symbol ids, and how often it occurs. */
    void addWord(int[] word, long frequency) {
        words.add(word);
        frequencies.add(frequency);
    }

    /**
     * Merges until the vocabulary has {@code vocabSize} symbols or no pair occurs {@code minFrequency} times.
     *
     * @param progress receives the vocabulary size after each merge
     */
    Result train(int vocabSize, long minFrequency, IntConsumer progress) {
        PairCounts counts = new PairCounts(words, frequencies.stream().mapToLong(Long::longValue).toArray());
        List<String[]> merges = new ArrayList<>();
        while (symbols.size() < vocabSize) {
            long pair = counts.mostFrequent();
            if (pair < 0 || counts.count(pair) < minFrequency) {
                break;
            }
            String left = symbols.get(PairCounts.left(pair));
            String right = symbols.get(PairCounts.right(pair));
            merges.add(new String[] {left, right});
            symbols.add(join.apply(left, right));
            counts.merge(pair, symbols.size() - 1);
            progress.accept(symbols.size());
        }
        return new Result(List.copyOf(symbols), merges);
    }
}
