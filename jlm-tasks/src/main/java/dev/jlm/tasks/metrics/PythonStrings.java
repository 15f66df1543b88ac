package dev.jlm.tasks.metrics;

import java.util.ArrayList;
import java.util.List;

/** Python's str white-space semantics, which the reference metric scripts rely on. */
public final class PythonStrings {
    private PythonStrings() {
    }

    /** {@code str.isspace()} for one code point: Unicode spaces, line and paragraph separators, U+001C..U+001F, U+0085. */
    public static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code str.split()}: runs of white space separate tokens; no empty tokens. */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean space = isSpace(cp);
            if (space && start >= 0) {
                out.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** {@code str.rstrip()}: drops trailing white space. */
    public static String rstrip(String text) {
        int end = text.length();
        while (end > 0) {
            int cp = text.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return text.substring(0, end);
    }

    /** {@code str.lstrip()}: drops leading white space. */
    public static String lstrip(String text) {
        int start = 0;
        while (start < text.length()) {
            int cp = text.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        return text.substring(start);
    }
}
