package dev.jlm.models.gpt;

import dev.jlm.tensor.F;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Mean next-token cross-entropy of a GPT and its perplexity, as Hugging Face's "Perplexity of fixed-length models"
 * guide computes it: a text longer than the context is scored in sliding windows, each token once.
 */
public final class Perplexity {
    /** Hugging Face's label for a position that is not scored; jlm's own -1 is accepted too. */
    public static final int IGNORE_INDEX = -100;
    private static final int JLM_IGNORE_INDEX = -1;

    /**
     * @param loss   mean cross-entropy per scored token, in nats
     * @param tokens tokens scored
     */
    public record Result(double loss, long tokens) {
        public double perplexity() {
            return Math.exp(loss);
        }
    }

    private Perplexity() {
    }

    /**
     * One token sequence (a tokenized text) in windows of at most the block size, each starting {@code stride} tokens
     * after the previous one and scoring only the tokens no earlier window scored: every token but the first is scored
     * once. With {@code stride} equal to the block size the windows are consecutive; a smaller stride gives each token
     * at least {@code blockSize - stride} tokens of context, at {@code blockSize / stride} times the computation.
     */
    public static Result slidingWindows(Gpt model, int[] ids, int stride) {
        int block = model.contextSize();
        if (stride < 1 || stride > block) {
            throw new IllegalArgumentException("stride must be between 1 and the block size " + block + ", got " + stride);
        }
        if (ids.length < 2) {
            throw new IllegalArgumentException("needs at least two tokens, got " + ids.length);
        }
        List<int[]> inputs = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        int scoredUpTo = 0;
        for (int begin = 0; scoredUpTo < ids.length - 1; begin += stride) {
            int end = Math.min(begin + block, ids.length - 1);
            int[] next = Arrays.copyOfRange(ids, begin + 1, end + 1);
            // Tokens an earlier window scored are only context here.
            Arrays.fill(next, 0, scoredUpTo - begin, JLM_IGNORE_INDEX);
            inputs.add(Arrays.copyOfRange(ids, begin, end));
            targets.add(next);
            scoredUpTo = end;
        }
        return score(model, inputs, targets);
    }

    /** Sequences of at most the block size, each scored on predicting its own tokens after the first. */
    public static Result ofSequences(Gpt model, List<int[]> sequences) {
        List<int[]> inputs = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            int[] sequence = sequences.get(i);
            if (sequence.length < 2) {
                throw new IllegalArgumentException("sequence " + i + " has " + sequence.length + " token(s), needs at least two");
            }
            inputs.add(Arrays.copyOf(sequence, sequence.length - 1));
            targets.add(Arrays.copyOfRange(sequence, 1, sequence.length));
        }
        return score(model, inputs, targets);
    }

    /**
     * Sequences of at most the block size with, at each position, the token that should follow it there
     * ({@code targets[i][j]} follows {@code inputs[i][0..j]}); positions labelled {@link #IGNORE_INDEX} or -1 are not
     * scored.
     */
    public static Result ofTargets(Gpt model, List<int[]> inputs, List<int[]> targets) {
        if (inputs.size() != targets.size()) {
            throw new IllegalArgumentException(inputs.size() + " input sequences but " + targets.size() + " target sequences");
        }
        List<int[]> mapped = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            if (targets.get(i).length != inputs.get(i).length) {
                throw new IllegalArgumentException("targets " + i + " has " + targets.get(i).length + " ids, input " + i
                        + " has " + inputs.get(i).length);
            }
            mapped.add(Arrays.stream(targets.get(i)).map(t -> t == IGNORE_INDEX ? JLM_IGNORE_INDEX : t).toArray());
        }
        return score(model, inputs, mapped);
    }

    /** Targets use jlm's ignore index, -1. */
    private static Result score(Gpt model, List<int[]> inputs, List<int[]> targets) {
        int block = model.contextSize();
        double sum = 0;
        long count = 0;
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var off = GradMode.off()) {
            for (int i = 0; i < inputs.size(); i++) {
                int[] x = inputs.get(i);
                if (x.length > block) {
                    throw new IllegalArgumentException("sequence " + i + " has " + x.length + " tokens, the model's block size is "
                            + block);
                }
                int scored = (int) Arrays.stream(targets.get(i)).filter(t -> t != JLM_IGNORE_INDEX).count();
                if (scored == 0) {
                    continue;
                }
                try (var scope = Memory.scope()) {
                    sum += (double) F.crossEntropy(model.forward(x, 1, x.length), targets.get(i), JLM_IGNORE_INDEX).item() * scored;
                }
                count += scored;
            }
        } finally {
            model.train(wasTraining);
        }
        if (count == 0) {
            throw new IllegalArgumentException("no token to score: every target is " + IGNORE_INDEX + " or " + JLM_IGNORE_INDEX);
        }
        return new Result(sum / count, count);
    }
}
