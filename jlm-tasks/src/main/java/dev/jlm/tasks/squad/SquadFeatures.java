package dev.jlm.tasks.squad;

import dev.jlm.tasks.metrics.PythonStrings;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
     * Unanswerable training examples made from answerable ones, for data sets without any (SQuAD v1.1): each
     * question is paired, with probability {@code fraction}, with another paragraph of its article that does not
     * contain any of its answers. Only the data set's own articles are used, so a training split stays closed.
     */
    public static List<Example> syntheticUnanswerable(SquadDataset dataset, double fraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>();
        for (SquadDataset.Article article : dataset.articles()) {
            List<SquadDataset.Paragraph> paragraphs = article.paragraphs();
            for (int p = 0; p < paragraphs.size(); p++) {
                for (SquadDataset.Question q : paragraphs.get(p).questions()) {
                    if (q.answers().isEmpty() || paragraphs.size() < 2 || random.nextDouble() >= fraction) {
                        continue;
                    }
                    int other = random.nextInt(paragraphs.size() - 1);
                    String context = paragraphs.get(other >= p ? other + 1 : other).context();
                    if (q.answers().stream().noneMatch(a -> context.contains(a.text()))) {
                        out.add(new Example(q.id() + "-unanswerable", q.question(), context, null));
                    }
                }
            }
        }
        return out;
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
