package dev.jlm.text;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * How often each pair of adjacent symbols occurs in a word-frequency table, kept current while pairs are merged —
 * what makes {@link MergeTrainer} fast. Rather than recounting every pair after every merge, a merge visits only the
 * words that hold the merged pair (an index from pair to words) and changes only the counts of pairs next to it; a
 * max-heap with lazy deletion (entries whose count has since changed are dropped when they surface) yields the most
 * frequent pair.
 */
final class PairCounts {
    private final int[][] words;
    private final long[] frequencies;
    private final Map<Long, Long> counts = new HashMap<>();
    /** For each pair, the words that hold it — possibly also words that no longer do, which a merge skips. */
    private final Map<Long, IntList> wordsWithPair = new HashMap<>();
    private final PriorityQueue<Candidate> heap = new PriorityQueue<>();

    /** A pair and its count when queued; more frequent first, then lower pair. */
    private record Candidate(long count, long pair) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate other) {
            return count != other.count ? Long.compare(other.count, count) : Long.compare(pair, other.pair);
        }
    }

    PairCounts(List<int[]> words, long[] frequencies) {
        this.words = words.toArray(int[][]::new);
        this.frequencies = frequencies;
        for (int w = 0; w < this.words.length; w++) {
            int[] word = this.words[w];
            for (int i = 0; i + 1 < word.length; i++) {
                long pair = pair(word[i], word[i + 1]);
                counts.merge(pair, frequencies[w], Long::sum);
                wordsWithPair.computeIfAbsent(pair, p -> new IntList()).add(w);
            }
        }
        counts.forEach((pair, count) -> heap.add(new Candidate(count, pair)));
    }

    static long pair(int left, int right) {
        return ((long) left << 32) | right;
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
    }

    long count(long pair) {
        return counts.getOrDefault(pair, 0L);
    }

    /** The most frequent pair (the lowest one among equals), or -1 when no pair is left. */
    long mostFrequent() {
        while (!heap.isEmpty() && heap.peek().count != count(heap.peek().pair)) {
            heap.poll();
        }
        return heap.isEmpty() ? -1 : heap.peek().pair;
    }

    /** Replaces {@code pair} with {@code symbol} in every word, left to right, and updates the counts it changes. */
    void merge(long pair, int symbol) {
        int left = left(pair);
        int right = right(pair);
        Map<Long, Long> delta = new HashMap<>();
        IntList holders = wordsWithPair.remove(pair);
        for (int k = 0; k < holders.size; k++) {
            int w = holders.values[k];
            int[] word = words[w];
            if (!holds(word, left, right)) {
                continue;
            }
            long frequency = frequencies[w];
            for (int i = 0; i + 1 < word.length; i++) {
                delta.merge(pair(word[i], word[i + 1]), -frequency, Long::sum);
            }
            int[] merged = replace(word, left, right, symbol);
            words[w] = merged;
            for (int i = 0; i + 1 < merged.length; i++) {
                long p = pair(merged[i], merged[i + 1]);
                delta.merge(p, frequency, Long::sum);
                if (merged[i] == symbol || merged[i + 1] == symbol) {
                    // Only pairs with the new symbol are new to this word; it is already listed under the others.
                    wordsWithPair.computeIfAbsent(p, x -> new IntList()).add(w);
                }
            }
        }
        delta.forEach((p, change) -> {
            if (change != 0) {
                long updated = counts.merge(p, change, Long::sum);
                if (updated == 0) {
                    counts.remove(p);
                } else {
                    heap.add(new Candidate(updated, p));
                }
            }
        });
    }

    private static boolean holds(int[] word, int left, int right) {
        for (int i = 0; i + 1 < word.length; i++) {
            if (word[i] == left && word[i + 1] == right) {
                return true;
            }
        }
        return false;
    }

    private static int[] replace(int[] word, int left, int right, int symbol) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = symbol;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** A growable list of ints. */
    private static final class IntList {
        int[] values = new int[4];
        int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
    }
}
