package dev.jlm.text;

import java.text.Normalizer;
import java.util.Locale;

/**
 * BERT's text normalization, as Hugging Face's {@code BertNormalizer}: drop NUL, U+FFFD and control characters and
 * turn whitespace into spaces; surround CJK ideographs with spaces; strip accents (NFD, then drop non-spacing marks);
 * lower-case. Each step keeps every character's link to the original text.
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    Normalized apply(Normalized in) {
        Normalized out = new Normalized(in.length + 8);
        for (int i = 0; i < in.length; i++) {
            int cp = in.chars[i];
            int from = in.from[i];
            int to = in.to[i];
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                    continue;
                }
                if (isWhitespace(cp)) {
                    cp = ' ';
                }
            }
            if (handleChineseChars && isChinese(cp)) {
                out.add(' ', from, to);
                out.add(cp, from, to);
                out.add(' ', from, to);
                continue;
            }
            if (cp < 0x80) {
                out.add(lowercase && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, from, to);
                continue;
            }
            String piece = Character.toString(cp);
            if (stripAccents) {
                piece = Normalizer.normalize(piece, Normalizer.Form.NFD);
            }
            for (int j = 0; j < piece.length(); ) {
                int c = piece.codePointAt(j);
                j += Character.charCount(c);
                if (stripAccents && Character.getType(c) == Character.NON_SPACING_MARK) {
                    continue;
                }
                if (lowercase) {
                    String lower = Character.toString(c).toLowerCase(Locale.ROOT);
                    for (int k = 0; k < lower.length(); ) {
                        int l = lower.codePointAt(k);
                        out.add(l, from, to);
                        k += Character.charCount(l);
                    }
                } else {
                    out.add(c, from, to);
                }
            }
        }
        return out;
    }

    /** Unicode White_Space, with tab, newline and carriage return (Rust's {@code char::is_whitespace}). */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case ' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Other-category characters (Cc, Cf, Cn, Co, Cs) except tab, newline and carriage return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE;
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** ASCII punctuation or a Unicode P* character (BERT's punctuation split). */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }
}
