package dev.jlm.tasks.squad;

import dev.jlm.tasks.metrics.PythonStrings;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * SQuAD examples into model inputs as Hugging Face's {@code run_qa.py} prepares them: the question (left-stripped)
 * first, the context truncated {@code only_second} into overlapping windows of at most {@code maxLength} tokens with
 * {@code stride} tokens of overlap, and the answer located by offsets — a window that does not contain the whole
 * answer, and every window of an unanswerable question, points at {@code [CLS]}.
 */
public final class SquadFeatures {
    private SquadFeatures() {
    }

    /**
     * One question over one context. {@code answer} is the first gold answer (null when the question has none);
     * its start is a character offset into the context, counted in code points as Python counts them.
     */
    public record Example(String id, String question, String context, SquadDataset.Answer answer) {
        /** The context's characters from code point {@code start} to {@code end}, as Python's {@code context[start:end]}. */
        public String span(int start, int end) {
            int from = context.offsetByCodePoints(0, start);
            return context.substring(from, context.offsetByCodePoints(from, end - start));
        }
    }

    /**
     * One window. {@code contextOffsets[i]} is the code-point span {@code [start, end)} of token i in the context, or
     * null when token i is not part of the context (question, special tokens); the span targets are token positions,
     * 0 ({@code [CLS]}) when the window does not hold the answer.
     */
    public record Feature(int example, int[] ids, int[] typeIds, int[][] contextOffsets, int startPosition, int endPosition) {
        public int length() {
            return ids.length;
        }
    }

    /** Every question of a data set with its paragraph's context, in file order. */
    public static List<Example> examples(SquadDataset dataset) {
        List<Example> out = new ArrayList<>();
        for (SquadDataset.Article article : dataset.articles()) {
            for (SquadDataset.Paragraph paragraph : article.paragraphs()) {
                for (SquadDataset.Question q : paragraph.questions()) {
                    out.add(new Example(q.id(), q.question(), paragraph.context(), q.answers().isEmpty() ? null : q.answers().getFirst()));
                }
            }
        }
        return out;
    }

    /**
     * Unanswerable training examples made from answerable ones, for data sets without any (SQuAD v1.1). With
     * probability {@code fraction} a question yields one, made in one of the two ways SQuAD 2.0's unanswerable questions
     * are hard (picked at random, the other when the first is not possible): the question with the other paragraph of its
     * article that shares the most words with it and contains none of its answers (same topic, no answer), or the
     * question with one of its names or numbers that its paragraph mentions swapped for one of the article's that the
     * paragraph does not mention, asked of its own paragraph (SQuAD 2.0's entity swap). Only the data set's own
     * articles are used, so a training split stays closed.
     */
    public static List<Example> syntheticUnanswerable(SquadDataset dataset, double fraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>();
        for (SquadDataset.Article article : dataset.articles()) {
            List<SquadDataset.Paragraph> paragraphs = article.paragraphs();
            List<Set<String>> paragraphWords = paragraphs.stream().map(p -> contentWords(p.context())).toList();
            List<Set<String>> mentioned = paragraphs.stream().map(p -> WORD.matcher(p.context()).results()
                    .map(MatchResult::group).collect(Collectors.toSet())).toList();
            List<String> names = distinctMatches(MID_SENTENCE_NAME, paragraphs);
            List<String> numbers = distinctMatches(NUMBER, paragraphs);
            for (int p = 0; p < paragraphs.size(); p++) {
                for (SquadDataset.Question q : paragraphs.get(p).questions()) {
                    if (q.answers().isEmpty() || random.nextDouble() >= fraction) {
                        continue;
                    }
                    String context = paragraphs.get(p).context();
                    boolean swapFirst = random.nextBoolean();
                    Example negative = swapFirst ? swapped(q, context, mentioned.get(p), names, numbers, random) : null;
                    if (negative == null) {
                        negative = otherParagraph(q, p, paragraphs, paragraphWords);
                    }
                    if (negative == null && !swapFirst) {
                        negative = swapped(q, context, mentioned.get(p), names, numbers, random);
                    }
                    if (negative != null) {
                        out.add(negative);
                    }
                }
            }
        }
        return out;
    }

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    /** A capitalized word after a lower-case word or a comma: a name, not a sentence's first word. */
    private static final Pattern MID_SENTENCE_NAME = Pattern.compile("(?<=[\\p{Ll},] )\\p{Lu}\\p{Ll}{2,}");
    /** A number of two or more digits standing alone (not a piece of 3,000 or 2.5). */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\p{N}.,])\\p{N}{2,}(?![\\p{N}]|[.,]\\p{N})");

    /** Lower-cased words of four or more letters, and numbers: what a question and a paragraph share when on topic. */
    private static Set<String> contentWords(String text) {
        Set<String> words = new HashSet<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            String w = m.group().toLowerCase(Locale.ROOT);
            if (w.length() >= 4 || Character.isDigit(w.charAt(0))) {
                words.add(w);
            }
        }
        return words;
    }

    private static List<String> distinctMatches(Pattern pattern, List<SquadDataset.Paragraph> paragraphs) {
        Set<String> found = new LinkedHashSet<>();
        for (SquadDataset.Paragraph p : paragraphs) {
            pattern.matcher(p.context()).results().forEach(r -> found.add(r.group()));
        }
        return List.copyOf(found);
    }

    private static Example otherParagraph(SquadDataset.Question q, int own, List<SquadDataset.Paragraph> paragraphs,
                                          List<Set<String>> paragraphWords) {
        Set<String> asked = contentWords(q.question());
        int best = -1;
        long bestShared = -1;
        for (int p = 0; p < paragraphs.size(); p++) {
            String context = paragraphs.get(p).context();
            if (p == own || q.answers().stream().anyMatch(a -> context.contains(a.text()))) {
                continue;
            }
            long shared = asked.stream().filter(paragraphWords.get(p)::contains).count();
            if (shared > bestShared) {
                best = p;
                bestShared = shared;
            }
        }
        return best < 0 ? null : new Example(q.id() + "-other-paragraph", q.question(), paragraphs.get(best).context(), null);
    }

    private static Example swapped(SquadDataset.Question q, String context, Set<String> mentioned, List<String> names,
                                   List<String> numbers, SplittableRandom random) {
        List<MatchResult> swappable = new ArrayList<>();
        for (Pattern kind : List.of(MID_SENTENCE_NAME, NUMBER)) {
            kind.matcher(q.question()).results().filter(r -> mentioned.contains(r.group())).forEach(swappable::add);
        }
        if (swappable.isEmpty()) {
            return null;
        }
        MatchResult target = swappable.get(random.nextInt(swappable.size()));
        List<String> pool = (Character.isDigit(target.group().charAt(0)) ? numbers : names).stream()
                .filter(w -> !mentioned.contains(w)).toList();
        if (pool.isEmpty()) {
            return null;
        }
        String question = q.question().substring(0, target.start()) + pool.get(random.nextInt(pool.size()))
                + q.question().substring(target.end());
        return new Example(q.id() + "-swapped", question, context, null);
    }

    /** The options run_qa.py tokenizes with: pairs truncated only in the context, overflow windows overlapping by {@code stride}. */
    public static EncodeOptions options(int maxLength, int stride) {
        return EncodeOptions.DEFAULT.withMaxLength(maxLength, EncodeOptions.Truncation.ONLY_SECOND).withOverflow(stride);
    }

    /** All windows of all examples, in example order (examples are tokenized on all cores). */
    public static List<Feature> features(List<Example> examples, Tokenizer tokenizer, int maxLength, int stride) {
        EncodeOptions options = options(maxLength, stride);
        List<List<Feature>> perExample = IntStream.range(0, examples.size()).parallel()
                .mapToObj(i -> windows(i, examples.get(i), tokenizer, options)).toList();
        return perExample.stream().flatMap(List::stream).toList();
    }

    private static List<Feature> windows(int index, Example example, Tokenizer tokenizer, EncodeOptions options) {
        Encoding first;
        try {
            first = tokenizer.encode(PythonStrings.lstrip(example.question()), example.context(), options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("question " + example.id() + ": " + e.getMessage(), e);
        }
        List<Encoding> windows = new ArrayList<>();
        windows.add(first);
        windows.addAll(first.overflowing());
        List<Feature> out = new ArrayList<>(windows.size());
        for (Encoding window : windows) {
            out.add(feature(index, example, window));
        }
        return out;
    }

    private static Feature feature(int index, Example example, Encoding window) {
        int n = window.length();
        int[][] contextOffsets = new int[n][];
        int firstContext = -1;
        int lastContext = -1;
        for (int i = 0; i < n; i++) {
            if (window.sequenceIds()[i] == 1) {
                contextOffsets[i] = window.offsets()[i];
                firstContext = firstContext < 0 ? i : firstContext;
                lastContext = i;
            }
        }
        int start = 0;
        int end = 0;
        SquadDataset.Answer answer = example.answer();
        if (answer != null && firstContext >= 0) {
            int startChar = answer.answerStart();
            int endChar = startChar + answer.text().codePointCount(0, answer.text().length());
            if (contextOffsets[firstContext][0] <= startChar && contextOffsets[lastContext][1] >= endChar) {
                // As run_qa.py: the last token starting at or before the answer, the first ending at or after it.
                int s = firstContext;
                while (s < n && contextOffsets[s] != null && contextOffsets[s][0] <= startChar) {
                    s++;
                }
                int e = lastContext;
                while (e >= firstContext && contextOffsets[e][1] >= endChar) {
                    e--;
                }
                start = s - 1;
                end = e + 1;
            }
        }
        return new Feature(index, window.ids(), window.typeIds(), contextOffsets, start, end);
    }
}
