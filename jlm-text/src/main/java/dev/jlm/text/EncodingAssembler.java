package dev.jlm.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the raw tokens of one or two texts into {@link Encoding}s the way Hugging Face's {@code tokenizers} does:
 * truncation (longest-first, only-first, only-second) with overflow windows that overlap by {@code stride} tokens,
 * then the template's special tokens around every window, then padding.
 */
final class EncodingAssembler {
    private EncodingAssembler() {
    }

    static Encoding assemble(Piece first, Piece second, Template template, EncodeOptions options, int padId, String padToken) {
        boolean pair = second != null;
        List<Piece> windowsA = List.of(first);
        List<Piece> windowsB = pair ? List.of(second) : List.of();
        if (options.maxLength() > 0) {
            int budget = options.maxLength() - (options.addSpecialTokens() ? template.added(pair) : 0);
            int total = first.length() + (pair ? second.length() : 0);
            if (total > budget) {
                int stride = options.returnOverflowing() ? options.stride() : 0;
                int[] lengths = targetLengths(first.length(), pair ? second.length() : 0, budget, total - budget, options.truncation(), pair);
                windowsA = windows(first, lengths[0], stride);
                if (pair) {
                    windowsB = windows(second, lengths[1], stride);
                }
            }
        }
        // The main encoding pairs the first windows; the overflow pairs every other combination, as HF merges them.
        Encoding main = wrap(windowsA.get(0), pair ? windowsB.get(0) : null, template, options, padId, padToken);
        List<Encoding> overflow = new ArrayList<>();
        if (options.returnOverflowing()) {
            for (int a = 1; a < windowsA.size(); a++) {
                if (pair) {
                    for (Piece b : windowsB) {
                        overflow.add(wrap(windowsA.get(a), b, template, options, padId, padToken));
                    }
                } else {
                    overflow.add(wrap(windowsA.get(a), null, template, options, padId, padToken));
                }
            }
            for (int b = 1; b < windowsB.size(); b++) {
                overflow.add(wrap(windowsA.get(0), windowsB.get(b), template, options, padId, padToken));
            }
        }
        return new Encoding(main.ids(), main.tokens(), main.offsets(), main.typeIds(), main.attentionMask(),
                main.specialTokensMask(), main.sequenceIds(), List.copyOf(overflow));
    }

    /** Hugging Face's {@code truncate_encodings}: the lengths each sequence keeps. */
    private static int[] targetLengths(int n1, int n2, int budget, int toRemove, EncodeOptions.Truncation strategy, boolean pair) {
        if (budget <= 0) {
            throw new IllegalArgumentException("max length " + budget + " leaves no room after the special tokens");
        }
        switch (strategy) {
            case LONGEST_FIRST -> {
                if (!pair) {
                    return new int[] {n1 - toRemove, 0};
                }
                int a = Math.min(n1, n2);
                int b = Math.max(n1, n2);
                b = a > budget ? a : Math.max(a, budget - a);
                if (a + b > budget) {
                    a = budget / 2;
                    b = a + budget % 2;
                }
                return n1 > n2 ? new int[] {b, a} : new int[] {a, b};
            }
            case ONLY_FIRST -> {
                if (n1 <= toRemove) {
                    throw new IllegalArgumentException("the first sequence (" + n1 + " tokens) is too short to remove " + toRemove);
                }
                return new int[] {n1 - toRemove, n2};
            }
            default -> {
                if (!pair) {
                    throw new IllegalArgumentException("truncation only_second needs a pair of texts");
                }
                if (n2 <= toRemove) {
                    throw new IllegalArgumentException("the second sequence (" + n2 + " tokens) is too short to remove " + toRemove
                            + " (max length too small for the first sequence)");
                }
                return new int[] {n1, n2 - toRemove};
            }
        }
    }

    /** {@code Encoding.truncate}: windows of {@code max} tokens starting every {@code max - stride} tokens. */
    private static List<Piece> windows(Piece piece, int max, int stride) {
        if (max >= piece.length()) {
            return List.of(piece);
        }
        if (stride >= max) {
            throw new IllegalArgumentException("stride " + stride + " must be smaller than the " + max + " tokens left for the text");
        }
        List<Piece> out = new ArrayList<>();
        for (int start = 0; ; start += max - stride) {
            int stop = Math.min(start + max, piece.length());
            out.add(piece.range(start, stop));
            if (stop == piece.length()) {
                return out;
            }
        }
    }

    private static Encoding wrap(Piece a, Piece b, Template template, EncodeOptions options, int padId, String padToken) {
        boolean specials = options.addSpecialTokens();
        int length = a.length() + (b == null ? 0 : b.length()) + (specials ? template.added(b != null) : 0);
        Builder out = new Builder(Math.max(length, options.padToLength()));
        if (b == null) {
            if (specials) {
                template.singleBefore().forEach(s -> out.special(s, 0));
            }
            out.sequence(a, 0, 0);
            if (specials) {
                template.singleAfter().forEach(s -> out.special(s, 0));
            }
        } else {
            int typeB = template.pairTypeIdOfB();
            if (specials) {
                template.pairBefore().forEach(s -> out.special(s, 0));
            }
            out.sequence(a, 0, 0);
            if (specials) {
                template.pairMiddle().forEach(s -> out.special(s, 0));
            }
            out.sequence(b, 1, typeB);
            if (specials) {
                template.pairAfter().forEach(s -> out.special(s, typeB));
            }
        }
        while (out.size() < options.padToLength()) {
            out.pad(padId, padToken);
        }
        return out.build();
    }

    /** Fills arrays of the encoding's exact length. */
    private static final class Builder {
        private final int[] ids;
        private final String[] tokens;
        private final int[][] offsets;
        private final int[] types;
        private final int[] attention;
        private final int[] special;
        private final int[] sequence;
        private int size;

        Builder(int length) {
            ids = new int[length];
            tokens = new String[length];
            offsets = new int[length][];
            types = new int[length];
            attention = new int[length];
            special = new int[length];
            sequence = new int[length];
        }

        int size() {
            return size;
        }

        void special(Template.Special token, int type) {
            add(token.id(), token.token(), NO_OFFSET, type, 1, 1, -1);
        }

        void sequence(Piece piece, int sequenceId, int type) {
            for (int i = 0; i < piece.length(); i++) {
                add(piece.ids()[i], piece.tokens()[i], new int[] {piece.starts()[i], piece.ends()[i]}, type, 1, 0, sequenceId);
            }
        }

        void pad(int id, String token) {
            add(id, token, NO_OFFSET, 0, 0, 1, -1);
        }

        private void add(int id, String token, int[] offset, int type, int mask, int isSpecial, int sequenceId) {
            ids[size] = id;
            tokens[size] = token;
            offsets[size] = offset;
            types[size] = type;
            attention[size] = mask;
            special[size] = isSpecial;
            sequence[size] = sequenceId;
            size++;
        }

        Encoding build() {
            return new Encoding(ids, java.util.Arrays.asList(tokens), offsets, types, attention, special, sequence, List.of());
        }
    }

    /** Special tokens and padding have no span in the text. */
    private static final int[] NO_OFFSET = {0, 0};
}
