package dev.jlm.text;

import java.util.Arrays;

/** The tokens of one text before special tokens are added: ids, strings and code-point offsets [start, end). */
record Piece(int[] ids, String[] tokens, int[] starts, int[] ends) {

    int length() {
        return ids.length;
    }

    Piece range(int from, int to) {
        return new Piece(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(tokens, from, to),
                Arrays.copyOfRange(starts, from, to), Arrays.copyOfRange(ends, from, to));
    }

    /** Accumulates tokens. */
    static final class Builder {
        private int[] ids;
        private String[] tokens;
        private int[] starts;
        private int[] ends;
        private int size;

        /** @param expected the number of tokens the text probably has, so that the arrays rarely grow */
        Builder(int expected) {
            int capacity = Math.max(16, expected);
            ids = new int[capacity];
            tokens = new String[capacity];
            starts = new int[capacity];
            ends = new int[capacity];
        }

        void add(int id, String token, int start, int end) {
            if (size == ids.length) {
                int grown = size * 2;
                ids = Arrays.copyOf(ids, grown);
                tokens = Arrays.copyOf(tokens, grown);
                starts = Arrays.copyOf(starts, grown);
                ends = Arrays.copyOf(ends, grown);
            }
            ids[size] = id;
            tokens[size] = token;
            starts[size] = start;
            ends[size] = end;
            size++;
        }

        int size() {
            return size;
        }

        /** Drops tokens after the first {@code keep}. */
        void truncate(int keep) {
            size = keep;
        }

        Piece build() {
            return new Piece(Arrays.copyOf(ids, size), Arrays.copyOf(tokens, size), Arrays.copyOf(starts, size),
                    Arrays.copyOf(ends, size));
        }
    }
}
