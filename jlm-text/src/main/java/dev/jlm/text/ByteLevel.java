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

    /** Receives each pre-token as a code-point range [start, end) of the text. */
    @FunctionalInterface
    interface Splits {
        void piece(int start, int end);
    }

    /** GPT-2's pre-tokenization over code points {@code cps[0..n)}. */
    static void split(int[] cps, int n, Splits out) {
        int i = 0;
        while (i < n) {
            int end = contraction(cps, n, i);
            if (end < 0) {
                int j = cps[i] == ' ' && i + 1 < n ? i + 1 : i;
                int kind = kind(cps[j]);
                if (kind != SPACE) {
                    // ' ?\p{L}+', ' ?\p{N}+' or ' ?[^\s\p{L}\p{N}]+' (the optional space only before such a run)
                    end = j + 1;
                    while (end < n && kind(cps[end]) == kind) {
                        end++;
                    }
                } else {
                    // '\s+(?!\S)|\s+': a run of whitespace, leaving its last character to a following non-space run
                    end = i + 1;
                    while (end < n && kind(cps[end]) == SPACE) {
                        end++;
                    }
                    if (end < n && end - i > 1) {
                        end--;
                    }
                }
            }
            out.piece(i, end);
            i = end;
        }
    }

    private static final int LETTER = 0;
    private static final int NUMBER = 1;
    private static final int OTHER = 2;
    private static final int SPACE = 3;

    private static int kind(int cp) {
        if (cp < 128) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
                return LETTER;
            }
            if (cp >= '0' && cp <= '9') {
                return NUMBER;
            }
            return cp == ' ' || (cp >= 9 && cp <= 13) ? SPACE : OTHER;
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

    /** End of {@code 's 't 're 've 'm 'll 'd} at i, or -1. */
    private static int contraction(int[] cps, int n, int i) {
        if (cps[i] != '\'' || i + 1 >= n) {
            return -1;
        }
        int a = cps[i + 1];
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return i + 2;
        }
        if (i + 2 < n) {
            int b = cps[i + 2];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return i + 3;
            }
        }
        return -1;
    }
}
