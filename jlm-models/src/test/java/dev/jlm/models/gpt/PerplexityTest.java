package dev.jlm.models.gpt;

import dev.jlm.tensor.GradMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Perplexity against an independent computation: each scored token's log-probability from its own forward pass over
 * exactly the context it should have, in double precision. The two differ only in float32 rounding of a few dozen
 * terms, so the mean losses agree to 1e-5 relative.
 */
class PerplexityTest {
    static final int VOCAB = 11;
    static final int BLOCK = 8;
    static Gpt model;
    static int[] text;

    @BeforeAll
    static void model() {
        model = new Gpt(GptConfig.builder().vocabSize(VOCAB).blockSize(BLOCK).nLayer(2).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        SplittableRandom random = new SplittableRandom(3);
        text = random.ints(30, 0, VOCAB).toArray();
    }

    /** -log p(ids[t] | ids[from..t)), from the last position of a forward pass over just that context. */
    static double negativeLogLikelihood(int[] ids, int from, int t) {
        float[] logits;
        try (var off = GradMode.off()) {
            logits = model.forward(Arrays.copyOfRange(ids, from, t), 1, t - from).select(1, t - from - 1).select(0, 0).toArray();
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum) - logits[ids[t]];
    }

    /** The windows of HF's guide: token t is scored by the first window (starting at a multiple of stride) that reaches it. */
    static double expectedSlidingLoss(int[] ids, int stride) {
        double sum = 0;
        for (int t = 1; t < ids.length; t++) {
            int windows = Math.max(0, Math.ceilDiv(t - BLOCK, stride));
            sum += negativeLogLikelihood(ids, windows * stride, t);
        }
        return sum / (ids.length - 1);
    }

    @Test
    void consecutiveWindowsScoreEveryTokenButTheFirstOnce() {
        Perplexity.Result result = Perplexity.slidingWindows(model, text, BLOCK);
        assertThat(result.tokens()).isEqualTo(text.length - 1);
        double expected = expectedSlidingLoss(text, BLOCK);
        assertThat(result.loss()).isCloseTo(expected, within(1e-5 * expected));
        assertThat(result.perplexity()).isEqualTo(Math.exp(result.loss()));
    }

    @Test
    void aSmallerStrideGivesEachTokenMoreContextAndStillScoresItOnce() {
        for (int stride : new int[] {1, 3, 5}) {
            Perplexity.Result result = Perplexity.slidingWindows(model, text, stride);
            assertThat(result.tokens()).as("stride %d", stride).isEqualTo(text.length - 1);
            double expected = expectedSlidingLoss(text, stride);
            assertThat(result.loss()).as("stride %d", stride).isCloseTo(expected, within(1e-5 * expected));
        }
        double consecutive = Perplexity.slidingWindows(model, text, BLOCK).loss();
        assertThat(Perplexity.slidingWindows(model, text, 1).loss()).as("more context changes the losses").isNotCloseTo(consecutive,
                within(1e-4));
    }

    @Test
    void aTextWithinOneWindowIsTheSameWhateverTheStride() {
        int[] shortText = Arrays.copyOf(text, BLOCK + 1);
        double one = Perplexity.slidingWindows(model, shortText, BLOCK).loss();
        assertThat(Perplexity.slidingWindows(model, shortText, 2).loss()).isEqualTo(one);
        assertThat(Perplexity.ofSequences(model, List.of(shortText)).loss()).isEqualTo(one);
    }

    @Test
    void sequencesPredictTheirOwnNextTokensAndIgnoredTargetsAreSkipped() {
        int[] a = {1, 2, 3, 4, 5};
        int[] b = {9, 8, 7};
        Perplexity.Result own = Perplexity.ofSequences(model, List.of(a, b));
        assertThat(own.tokens()).isEqualTo(6);
        double expected = 0;
        for (int[] s : List.of(a, b)) {
            for (int t = 1; t < s.length; t++) {
                expected += negativeLogLikelihood(s, 0, t);
            }
        }
        expected /= 6;
        assertThat(own.loss()).isCloseTo(expected, within(1e-5 * expected));

        // HF's -100 and jlm's -1 both leave a position out; the rest are the same next tokens.
        int[] inputs = {1, 2, 3, 4};
        int[] targets = {2, Perplexity.IGNORE_INDEX, 4, -1};
        Perplexity.Result partial = Perplexity.ofTargets(model, List.of(inputs), List.of(targets));
        assertThat(partial.tokens()).isEqualTo(2);
        double two = (negativeLogLikelihood(a, 0, 1) + negativeLogLikelihood(a, 0, 3)) / 2;
        assertThat(partial.loss()).isCloseTo(two, within(1e-5 * two));
    }

    @Test
    void leavesTheModelInTheModeItWasIn() {
        model.train(true);
        Perplexity.slidingWindows(model, text, BLOCK);
        assertThat(model.isTraining()).isTrue();
        model.train(false);
    }

    @Test
    void badInputIsAClearError() {
        assertThatThrownBy(() -> Perplexity.slidingWindows(model, text, 0)).hasMessage(
                "stride must be between 1 and the block size 8, got 0");
        assertThatThrownBy(() -> Perplexity.slidingWindows(model, text, BLOCK + 1)).hasMessageContaining("block size 8");
        assertThatThrownBy(() -> Perplexity.slidingWindows(model, new int[] {3}, BLOCK)).hasMessage("needs at least two tokens, got 1");
        assertThatThrownBy(() -> Perplexity.ofSequences(model, List.of(new int[BLOCK + 2]))).hasMessage(
                "sequence 0 has 9 tokens, the model's block size is 8");
        assertThatThrownBy(() -> Perplexity.ofTargets(model, List.of(new int[] {1, 2}), List.of(new int[] {-100, -1})))
                .hasMessage("no token to score: every target is -100 or -1");
        assertThatThrownBy(() -> Perplexity.ofTargets(model, List.of(new int[] {1, 2}), List.of(new int[] {3})))
                .hasMessage("targets 0 has 1 ids, input 0 has 2");
        assertThatThrownBy(() -> Perplexity.ofTargets(model, List.of(new int[] {1}), List.of(new int[] {VOCAB})))
                .hasMessageContaining("outside [0, 11)");
    }
}
