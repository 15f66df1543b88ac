package dev.jlm.tasks.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Porter stemmer as NLTK's {@code PorterStemmer()} in its default NLTK_EXTENSIONS mode — the one rouge-score
 * constructs: Porter's 1980 steps plus NLTK's irregular forms, the "-ies"/"-ied" and "y" rules, the "alli", "fulli" and
 * "logi" additions and the two-letter cut-off. Input is a lower-case word (it is lower-cased if not).
 */
public final class PorterStemmer {
    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"), Map.entry("dying", "die"), Map.entry("lying", "lie"),
            Map.entry("tying", "tie"), Map.entry("news", "news"), Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"), Map.entry("cannings", "canning"),
            Map.entry("canning", "canning"), Map.entry("howe", "howe"), Map.entry("proceed", "proceed"),
            Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** One suffix rule: replace {@code suffix} by {@code replacement} if the stem left satisfies {@code condition}. */
    private record Rule(String suffix, String replacement, Predicate<String> condition) {
    }

    private PorterStemmer() {
    }

    public static String stem(String word) {
        // NLTK looks the irregular forms up before lower-casing and measures the length of the word as given.
        if (IRREGULAR.containsKey(word)) {
            return IRREGULAR.get(word);
        }
        String stem = word.toLowerCase(Locale.ROOT);
        if (word.length() <= 2) {
            return stem;
        }
        stem = step1a(stem);
        stem = step1b(stem);
        stem = step1c(stem);
        stem = step2(stem);
        stem = step3(stem);
        stem = step4(stem);
        stem = step5a(stem);
        return step5b(stem);
    }

    private static boolean isConsonant(String word, int i) {
        char c = word.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            return false;
        }
        return c != 'y' || i == 0 || !isConsonant(word, i - 1);
    }

    /** Porter's m: the number of vowel-consonant sequences in [C](VC)^m[V]. */
    private static int measure(String stem) {
        int m = 0;
        for (int i = 1; i < stem.length(); i++) {
            if (!isConsonant(stem, i - 1) && isConsonant(stem, i)) {
                m++;
            }
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String word) {
        int n = word.length();
        return n >= 2 && word.charAt(n - 1) == word.charAt(n - 2) && isConsonant(word, n - 1);
    }

    /** *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a two-letter vowel-consonant word. */
    private static boolean endsCvc(String word) {
        int n = word.length();
        if (n >= 3 && isConsonant(word, n - 3) && !isConsonant(word, n - 2) && isConsonant(word, n - 1)) {
            char last = word.charAt(n - 1);
            return last != 'w' && last != 'x' && last != 'y';
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1);
    }

    /**
     * The first rule whose suffix the word ends with decides: applied if its condition holds, otherwise the word stays.
     * The suffix "*d" stands for a double consonant.
     */
    private static String applyFirst(String word, Rule... rules) {
        for (Rule rule : rules) {
            if (rule.suffix().equals("*d")) {
                if (endsDoubleConsonant(word)) {
                    String stem = word.substring(0, word.length() - 2);
                    return rule.condition().test(stem) ? stem + rule.replacement() : word;
                }
                continue;
            }
            if (word.endsWith(rule.suffix())) {
                String stem = word.substring(0, word.length() - rule.suffix().length());
                return rule.condition() == null || rule.condition().test(stem) ? stem + rule.replacement() : word;
            }
        }
        return word;
    }

    private static String step1a(String word) {
        if (word.endsWith("ies") && word.length() == 4) {
            return word.charAt(0) + "ie"; // NLTK: "dies" -> "die" where Porter gives "di"
        }
        return applyFirst(word, new Rule("sses", "ss", null), new Rule("ies", "i", null), new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String word) {
        if (word.endsWith("ied")) {
            return word.substring(0, word.length() - 3) + (word.length() == 4 ? "ie" : "i");
        }
        if (word.endsWith("eed")) {
            String stem = word.substring(0, word.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : word;
        }
        String stem = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (word.endsWith(suffix) && containsVowel(word.substring(0, word.length() - suffix.length()))) {
                stem = word.substring(0, word.length() - suffix.length());
                break;
            }
        }
        if (stem == null) {
            return word;
        }
        char last = stem.charAt(stem.length() - 1);
        return applyFirst(stem, new Rule("at", "ate", null), new Rule("bl", "ble", null), new Rule("iz", "ize", null),
                new Rule("*d", String.valueOf(last), s -> last != 'l' && last != 's' && last != 'z'),
                new Rule("", "e", s -> measure(s) == 1 && endsCvc(s)));
    }

    /** NLTK's y -> i: only after a consonant that is not the whole stem ("happy" -> "happi", "enjoy", "by" stay). */
    private static String step1c(String word) {
        return applyFirst(word, new Rule("y", "i", s -> s.length() > 1 && isConsonant(s, s.length() - 1)));
    }

    private static String step2(String word) {
        // NLTK applies ALLI -> AL first and then runs step 2 again on the result.
        if (word.endsWith("alli") && positiveMeasure(word.substring(0, word.length() - 4))) {
            return step2(word.substring(0, word.length() - 4) + "al");
        }
        Predicate<String> m = PorterStemmer::positiveMeasure;
        return applyFirst(word, new Rule("ational", "ate", m), new Rule("tional", "tion", m), new Rule("enci", "ence", m),
                new Rule("anci", "ance", m), new Rule("izer", "ize", m), new Rule("bli", "ble", m), new Rule("alli", "al", m),
                new Rule("entli", "ent", m), new Rule("eli", "e", m), new Rule("ousli", "ous", m),
                new Rule("ization", "ize", m), new Rule("ation", "ate", m), new Rule("ator", "ate", m),
                new Rule("alism", "al", m), new Rule("iveness", "ive", m), new Rule("fulness", "ful", m),
                new Rule("ousness", "ous", m), new Rule("aliti", "al", m), new Rule("iviti", "ive", m),
                new Rule("biliti", "ble", m), new Rule("fulli", "ful", m),
                // The 'l' of "logi" stays with the stem for the measure, so short stems like "geo" qualify.
                new Rule("logi", "log", s -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String word) {
        Predicate<String> m = PorterStemmer::positiveMeasure;
        return applyFirst(word, new Rule("icate", "ic", m), new Rule("ative", "", m), new Rule("alize", "al", m),
                new Rule("iciti", "ic", m), new Rule("ical", "ic", m), new Rule("ful", "", m), new Rule("ness", "", m));
    }

    private static String step4(String word) {
        Predicate<String> m = s -> measure(s) > 1;
        return applyFirst(word, new Rule("al", "", m), new Rule("ance", "", m), new Rule("ence", "", m), new Rule("er", "", m),
                new Rule("ic", "", m), new Rule("able", "", m), new Rule("ible", "", m), new Rule("ant", "", m),
                new Rule("ement", "", m), new Rule("ment", "", m), new Rule("ent", "", m),
                new Rule("ion", "", s -> measure(s) > 1 && (s.endsWith("s") || s.endsWith("t"))),
                new Rule("ou", "", m), new Rule("ism", "", m), new Rule("ate", "", m), new Rule("iti", "", m),
                new Rule("ous", "", m), new Rule("ive", "", m), new Rule("ize", "", m));
    }

    /** (m>1) E -> ; (m=1 and not *o) E -> — both conditions are tried, unlike the other steps' first-match rule. */
    private static String step5a(String word) {
        if (word.endsWith("e")) {
            String stem = word.substring(0, word.length() - 1);
            int m = measure(stem);
            if (m > 1 || m == 1 && !endsCvc(stem)) {
                return stem;
            }
        }
        return word;
    }

    private static String step5b(String word) {
        return applyFirst(word, new Rule("ll", "l", s -> measure(word.substring(0, word.length() - 1)) > 1));
    }
}
