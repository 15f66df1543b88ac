package dev.jlm.text;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Real texts for tokenizer parity tests, drawn from the test fixtures, plus hand-written edge cases. */
final class TestTexts {
    private TestTexts() {
    }

    static final List<String> EDGE_CASES = List.of(
            "", " ", "   leading and trailing   ", "tabs\tand\nnewlines\r\nand  many     spaces",
            "Café naïve résumé façade Ångström Øresund Łódź", "ÀÉÎÕÜ àéîõü ñ Ñ ß ẞ İstanbul ǅ",
            "北京欢迎你 東京 한국어 日本語のテキスト", "mixed 中文and English", "emoji 😀🎉👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
            "control\u0000chars\u0001here\u007f and zero\u200bwidth \ufeffbom", "replacement \ufffd char",
            "a" + "b".repeat(120) + " long word", "supercalifragilisticexpialidocious antidisestablishmentarianism",
            "punctuation!!! ?? ... --- \"quotes\" 'single' (parens) [brackets] {braces} <angles>",
            "math ∑∫√ ≤≥ ±× ÷ °C €£¥ $100.00 50% #hashtag @user a&b",
            "URL https://example.com/path?q=1&x=y email someone@example.org",
            "numbers 3.14159 1,000,000 2024-11-24 10:30am", "Don't can't won't it's I'm you're they've",
            "Greek ΑΒΓ αβγ ΣΊΣΥΦΟΣ Cyrillic Москва Арабский عربى Hebrew עברית", "Thai ภาษาไทย Hindi हिन्दी Tamil தமிழ்",
            "fullwidth ＡＢＣ１２３ ligature ﬁ ﬂ", "the [MASK] of France is [MASK].", "[CLS] literal [SEP] tokens [PAD]",
            "soft\u00adhyphen non\u00a0breaking en\u2002space ideographic\u3000space", "combining e\u0301 a\u0308 o\u0302",
            "<|endoftext|> special in text <|endoftext|>", "'s 't 're 've 'm 'll 'd", "   \n\n\t  ",
            "x".repeat(101), "Ǆemal ǈub ǋ Ǳ", "trailing space ");

    /** At least {@code count} texts: SQuAD questions and contexts, Reuters bodies, Shakespeare lines, edge cases. */
    static List<String> sample(int count) throws IOException {
        List<String> texts = new ArrayList<>(EDGE_CASES);
        JsonNode squad = new ObjectMapper().readTree(Fixtures.path("data/squad/dev-v1.1.json").toFile());
        List<String> questions = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        for (JsonNode article : squad.get("data")) {
            for (JsonNode paragraph : article.get("paragraphs")) {
                contexts.add(paragraph.get("context").asText());
                for (JsonNode qa : paragraph.get("qas")) {
                    questions.add(qa.get("question").asText());
                }
            }
        }
        List<String> bodies = new ArrayList<>();
        Pattern body = Pattern.compile("<BODY>(.*?)</BODY>", Pattern.DOTALL);
        for (int i = 0; i < 22 && bodies.size() < count; i++) {
            String sgm = Files.readString(Fixtures.path(String.format("data/reuters21578/reut2-%03d.sgm", i)), StandardCharsets.ISO_8859_1);
            Matcher m = body.matcher(sgm);
            while (m.find()) {
                bodies.add(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
            }
        }
        List<String> lines = Files.readAllLines(Fixtures.path("data/shakespeare/input.txt"));
        int quarter = count / 4;
        texts.addAll(every(questions, quarter));
        texts.addAll(every(contexts, quarter));
        texts.addAll(every(bodies, quarter));
        texts.addAll(every(lines.stream().filter(l -> !l.isBlank()).toList(), quarter));
        return texts;
    }

    /** Pieces that stress pre-tokenizers: every kind of character class boundary, in many scripts. */
    private static final String[] FUZZ_PIECES = {
            "a", "Z", "word", "Ünïcödé", "ß", "ǅ", "日本", "한", "ภา", "مرحبا", "Ωμέγα", "ё", "e\u0301", "\u0308",
            "0", "42", "3.14", "½", "²", "Ⅻ", "٣٤", "१२", "\uff11",
            " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u000b", "\f",
            "\u001c", "\u200b", "\ufeff", "\u00ad",
            "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "’s", "\"", "!", "?!", "...", "-", "—", "_", "@", "#",
            "$", "€", "(", ")", "[", "]", "{", "}", "<", ">", "/", "\\", "*", "+", "=", "~", "^", "|", "`", "&",
            "😀", "👍🏽", "👨\u200d👩\u200d👧", "🇫🇷", "\ud834\udd1e", "\u0000", "\u0007", "\u007f", "\u0080", "\u009f",
            "<|endoftext|>", "<|endoftext", "endoftext|>"};

    /** {@code count} random strings of 1 to 40 pieces (seeded, so every run tests the same strings). */
    static List<String> fuzz(int count, long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int pieces = 1 + random.nextInt(40);
            for (int p = 0; p < pieces; p++) {
                String piece = FUZZ_PIECES[random.nextInt(FUZZ_PIECES.length)];
                text.append(random.nextInt(20) == 0 ? piece.repeat(1 + random.nextInt(80)) : piece);
            }
            texts.add(text.toString());
        }
        return texts;
    }

    /** {@code n} items spread evenly over the list. */
    private static List<String> every(List<String> items, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(items.get((int) ((long) i * items.size() / n)));
        }
        return out;
    }
}
