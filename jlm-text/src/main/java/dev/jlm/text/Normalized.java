package dev.jlm.text;

import java.util.Arrays;

/**
 * Text after normalization, as code points, each remembering the span of original code points it came from — how
 * token offsets are mapped back to the caller's text (Hugging Face's {@code NormalizedString} alignments).
 */
final class Normalized {
    int[] chars;
    int[] from;
    int[] to;
    int length;

    Normalized(int capacity) {
        chars = new int[capacity];
        from = new int[capacity];
        to = new int[capacity];
    }

    /** The code points of {@code text} (offsets counted in code points from {@code base}), unchanged. */
    static Normalized of(String text, int base) {
        Normalized n = new Normalized(text.length());
        int index = base;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            n.add(cp, index, index + 1);
            i += Character.charCount(cp);
            index++;
        }
        return n;
    }

    void add(int cp, int start, int end) {
        if (length == chars.length) {
            int grown = Math.max(16, length * 2);
            chars = Arrays.copyOf(chars, grown);
            from = Arrays.copyOf(from, grown);
            to = Arrays.copyOf(to, grown);
        }
        chars[length] = cp;
        from[length] = start;
        to[length] = end;
        length++;
    }

    String substring(int start, int end) {
        return new String(chars, start, end - start);
    }
}
