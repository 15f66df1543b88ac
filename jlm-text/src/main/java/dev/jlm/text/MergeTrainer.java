package dev.jlm.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.IntConsumer;

/**
 * The merge loop both trainers share (minbpe's {@code train}): count adjacent symbol pairs over a word-frequency
 * table, merge the most frequent pair into a new symbol, repeat. The speed-ups are kept apart from the algorithm:
 * pair counts are updated only in the words that contain the merged pair, and a priority queue with lazy deletion
 * finds the next pair. Ties break toward the pair of lower symbol ids, so the same input always gives the same result.
 */
final class MergeTrainer {
    /** The vocabulary in id order and the merges in the order they were made. */
    record Result(List<String> symbols, List<String[]> merges) {
    }

    private final List<String> symbols;
    private final List<int[]> words = new ArrayList<>();
    private final List<Long> counts = new ArrayList<>();
    private final Map<Long, Long> pairCounts = new HashMap<>();
    private final Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
    private final BinaryOperator<String> join;

    /**
     * @param symbols initial vocabulary (special tokens and alphabet); word symbols index into it
     * @param join    the string of a merged pair (plain concatenation for BPE; WordPiece drops the right's "##")
     */
    MergeTrainer(List<String> symbols, BinaryOperator<String> join) {
        this.symbols = new ArrayList<>(symbols);
        this.join = join;
    }

    void addWord(int[] word, long count) {
        int index = words.size();
        words.add(word);
        counts.add(count);
        for (int i = 0; i + 1 < word.length; i++) {
            long pair = pair(word[i], word[i + 1]);
            pairCounts.merge(pair, count, Long::sum);
            wordsWithPair.computeIfAbsent(pair, p -> new HashSet<>()).add(index);
        }
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | b;
    }

    /** Merges until the vocabulary has {@code vocabSize} symbols or no pair occurs {@code minFrequency} times. */
    Result train(int vocabSize, long minFrequency, IntConsumer progress) {
        record Candidate(long count, long pair) {
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((x, y) -> x.count != y.count
                ? Long.compare(y.count, x.count) : Long.compare(x.pair, y.pair));
        pairCounts.forEach((pair, count) -> queue.add(new Candidate(count, pair)));
        List<String[]> merges = new ArrayList<>();
        while (symbols.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long current = pairCounts.getOrDefault(top.pair, 0L);
            if (current != top.count) {
                if (current > 0) {
                    queue.add(new Candidate(current, top.pair));
                }
                continue;
            }
            if (current < minFrequency) {
                break;
            }
            int left = (int) (top.pair >>> 32);
            int right = (int) top.pair;
            String merged = join.apply(symbols.get(left), symbols.get(right));
            int id = symbols.size();
            symbols.add(merged);
            merges.add(new String[] {symbols.get(left), symbols.get(right)});
            Map<Long, Long> changed = new HashMap<>();
            for (int index : new ArrayList<>(wordsWithPair.getOrDefault(top.pair, Set.of()))) {
                mergeInWord(index, left, right, id, changed);
            }
            changed.forEach((pair, count) -> {
                if (count > 0) {
                    queue.add(new Candidate(count, pair));
                }
            });
            progress.accept(symbols.size());
        }
        return new Result(List.copyOf(symbols), merges);
    }

    /** Replaces every (left, right) in one word with {@code id}, moving that word's pair counts. */
    private void mergeInWord(int index, int left, int right, int id, Map<Long, Long> changed) {
        int[] word = words.get(index);
        long count = counts.get(index);
        for (int i = 0; i + 1 < word.length; i++) {
            adjust(pair(word[i], word[i + 1]), -count, index, changed);
        }
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        int[] merged = java.util.Arrays.copyOf(out, n);
        words.set(index, merged);
        for (int i = 0; i + 1 < merged.length; i++) {
            adjust(pair(merged[i], merged[i + 1]), count, index, changed);
        }
    }

    private void adjust(long pair, long delta, int index, Map<Long, Long> changed) {
        long updated = pairCounts.merge(pair, delta, Long::sum);
        if (updated <= 0) {
            pairCounts.remove(pair);
            Set<Integer> where = wordsWithPair.get(pair);
            if (where != null) {
                where.remove(index);
            }
        } else if (delta > 0) {
            wordsWithPair.computeIfAbsent(pair, p -> new HashSet<>()).add(index);
        }
        changed.put(pair, Math.max(0, updated));
    }
}
