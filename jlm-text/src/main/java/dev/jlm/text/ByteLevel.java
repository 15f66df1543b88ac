package dev.jlm.text;

/**
 * GPT-2's byte-level alphabet and pre-tokenizer. Bytes map to printable characters ({@code bytes_to_unicode}) so
 * that any text is covered by 256 base tokens; the pre-tokenizer splits text like GPT-2's regex
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}, hand-written for speed.
 */
final class ByteLevel {
    /** The character that stands for each byte. */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** The byte each such character stands for (-1 for others). */
    static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** A token's byte-level string for raw bytes. */
    static String encodeBytes(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = BYTE_TO_CHAR[bytes[i] & 0xff];
        }
        return new String(chars);
    }

    /** The raw bytes a byte-level string stands for; null if it holds a character outside the alphabet. */
    static byte[] decodeString(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Receives each pre-token as a char range [start, end) of the text. */
    @FunctionalInterface
    interface Splits {
        void piece(int start, int end);
    }

    static final int LETTER = 0;
    static final int NUMBER = 1;
    static final int OTHER = 2;
    static final int SPACE = 3;

    private static final byte[] ASCII_KIND = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_KIND[c] = (byte) ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? LETTER
                    : c >= '0' && c <= '9' ? NUMBER : c == ' ' || (c >= 9 && c <= 13) ? SPACE : OTHER);
        }
    }

    /**
     * GPT-2's pre-tokenization of {@code chars[from, to)}, in UTF-16 indexes; a surrogate pair is one character.
     * Each step takes the first alternative of the regex that matches, as the regex engine does.
     */
    static void split(char[] chars, int from, int to, Splits out) {
        int i = from;
        while (i < to) {
            int end = contraction(chars, to, i);
            if (end < 0) {
                // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': the optional space belongs to a following such run
                int j = chars[i] == ' ' && i + 1 < to ? i + 1 : i;
                int kind = kindAt(chars, j, to);
                if (kind != SPACE) {
                    end = j + width(chars, j, to);
                    while (end < to && kindAt(chars, end, to) == kind) {
                        end += width(chars, end, to);
                    }
                } else {
                    // '\s+(?!\S)|\s+': a whitespace run, leaving its last character to a following non-space run
                    end = i + 1;
                    int last = i;
                    while (end < to && kindAt(chars, end, to) == SPACE) {
                        last = end;
                        end++;
                    }
                    if (end < to && last > i) {
                        end = last;
                    }
                }
            }
            out.piece(i, end);
            i = end;
        }
    }

    /** LETTER ({@code \p{L}}), NUMBER ({@code \p{N}}), SPACE (Unicode White_Space, {@code \s}) or OTHER. */
    static int kind(int cp) {
        if (cp < 128) {
            return ASCII_KIND[cp];
        }
        if (Character.isLetter(cp)) {
            return LETTER;
        }
        int type = Character.getType(cp);
        if (type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER) {
            return NUMBER;
        }
        return BertNormalizer.isWhitespace(cp) ? SPACE : OTHER;
    }

    private static int kindAt(char[] chars, int i, int to) {
        char c = chars[i];
        return c < 128 ? ASCII_KIND[c] : kind(Character.codePointAt(chars, i, to));
    }

    /** 2 at a surrogate pair, else 1. */
    private static int width(char[] chars, int i, int to) {
        return Character.isHighSurrogate(chars[i]) && i + 1 < to && Character.isLowSurrogate(chars[i + 1]) ? 2 : 1;
    }

    /** End of {@code 's 't 're 've 'm 'll 'd} at i, or -1. */
    private static int contraction(char[] chars, int to, int i) {
        if (chars[i] != '\'' || i + 1 >= to) {
            return -1;
        }
        char a = chars[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return i + 2;
        }
        if (i + 2 < to) {
            char b = chars[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return i + 3;
            }
        }
        return -1;
    }
}
