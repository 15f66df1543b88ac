package dev.jlm.tasks.metrics;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Expected values from sacrebleu's README and its test/test_bleu.py (which checks them to 1e-8). */
class BleuTest {
    private static final List<String> HYPOTHESES = List.of("The dog bit the man.", "It wasn't surprising.",
            "The man had just bitten him.");
    private static final List<List<String>> REFERENCES = List.of(
            List.of("The dog bit the man.", "It was not unexpected.", "The man bit him first."),
            List.of("The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."));
    private static final Bleu.Settings RAW = new Bleu.Settings(false, Bleu.Tokenize.NONE, Bleu.Smoothing.FLOOR, 0.01, 4, true);

    @Test
    void readmeExampleWithTwoReferenceStreams() {
        Bleu.Score score = Bleu.corpusBleu(HYPOTHESES, REFERENCES);
        assertThat(score.score()).isCloseTo(48.530827, within(1e-8));
        assertThat(score).hasToString("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");
        assertThat(Bleu.corpusBleu(HYPOTHESES, REFERENCES, new Bleu.Settings(false, Bleu.Tokenize.THIRTEEN_A,
                Bleu.Smoothing.NONE, null, 4, false)).score()).isCloseTo(48.530827, within(1e-8));
        assertThat(Bleu.corpusBleu(HYPOTHESES, REFERENCES, new Bleu.Settings(false, Bleu.Tokenize.NONE,
                Bleu.Smoothing.EXP, null, 4, false)).score()).isCloseTo(49.1919566, within(1e-8));
        assertThat(Bleu.corpusBleu(List.of("", "", ""), REFERENCES).score()).isZero();
    }

    @Test
    void maxNgramOrders() {
        // test_bleu.py test_max_ngram_order: the score printed with two decimals for orders 1..6.
        String[] expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
        for (int order = 1; order <= 6; order++) {
            Bleu.Score score = Bleu.corpusBleu(HYPOTHESES, REFERENCES, Bleu.Settings.DEFAULT.withMaxNgramOrder(order));
            assertThat(String.format(java.util.Locale.ROOT, "%.2f", score.score())).as("order %d", order).isEqualTo(expected[order - 1]);
        }
    }

    @Test
    void variableNumberOfReferences() {
        // README "Variable Number of References": the first segment's first reference removed ('' or None).
        List<String> first = Arrays.asList(null, "It was not unexpected.", "The man bit him first.");
        assertThat(Bleu.corpusBleu(HYPOTHESES, List.of(first, REFERENCES.get(1))))
                .hasToString("BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)");
        List<String> empty = List.of("", "It was not unexpected.", "The man bit him first.");
        assertThat(Bleu.corpusBleu(HYPOTHESES, List.of(empty, REFERENCES.get(1))).score())
                .isCloseTo(Bleu.corpusBleu(HYPOTHESES, List.of(first, REFERENCES.get(1))).score(), within(1e-12));
    }

    @Test
    void rawCorpusBleuCases() {
        // test_bleu.py: raw_corpus_bleu (no tokenization, floor smoothing 0.01, effective order), score / 100.
        assertThat(raw("this is a test", "this is a test")).isCloseTo(1.0, within(1e-8));
        assertThat(raw("this is a fest", "this is a test")).isCloseTo(0.223606797749979, within(1e-8));
        assertThat(raw("test", "a test")).isCloseTo(0.3678794411714425, within(1e-8));
        assertThat(raw("a test", "a test")).isCloseTo(1.0, within(1e-8));
        assertThat(raw("a little test", "a test")).isCloseTo(0.03218297948685433, within(1e-8));
        assertThat(Bleu.corpusBleu(List.of("this is a test", "another test"), List.of(List.of("ref1", "ref2")), RAW).score()).isZero();
        Bleu.Score statistics = Bleu.corpusBleu(List.of("am I am a character sequence"),
                List.of(List.of("I am a symbol string sequence a a")), RAW);
        assertThat(statistics.counts()).containsExactly(4, 2, 1, 0);
        assertThat(statistics.totals()).containsExactly(6, 5, 4, 3);
        // test_offset: the same pair with floor smoothing's default value 0.1.
        Bleu.Settings floorDefault = new Bleu.Settings(false, Bleu.Tokenize.NONE, Bleu.Smoothing.FLOOR, null, 4, true);
        assertThat(Bleu.corpusBleu(List.of("am I am a character sequence"), List.of(List.of("I am a symbol string sequence a a")),
                floorDefault).score() / 100).isCloseTo(0.1555722182, within(1e-8));
    }

    @Test
    void scoreFromStatistics() {
        // test_bleu.py test_scoring: compute_bleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11) with no smoothing.
        Bleu.Score score = Bleu.compute(new double[] {9, 7, 5, 3}, new double[] {10, 8, 6, 4}, 11, 11,
                new Bleu.Settings(false, Bleu.Tokenize.THIRTEEN_A, Bleu.Smoothing.NONE, null, 4, false));
        assertThat(score.score() / 100).isCloseTo(0.8375922397, within(1e-8));
        // test_degenerate_statistics: no matches at all give 0 whatever the smoothing.
        Bleu.Settings floor = new Bleu.Settings(false, Bleu.Tokenize.THIRTEEN_A, Bleu.Smoothing.FLOOR, 0.1, 4, false);
        assertThat(Bleu.compute(new double[4], new double[] {4, 4, 2, 1}, 0, 1, floor).score()).isZero();
        assertThat(Bleu.compute(new double[] {6, 5, 4, 0}, new double[] {6, 5, 4, 3}, 6, 6,
                new Bleu.Settings(false, Bleu.Tokenize.THIRTEEN_A, Bleu.Smoothing.FLOOR, 0.0, 4, false)).score()).isZero();
    }

    @Test
    void tokenizer13a() {
        assertThat(Bleu.tokenize13a("It wasn't surprising.")).isEqualTo("It wasn't surprising .");
        assertThat(Bleu.tokenize13a("1,000.5 dollars, (approx.) &amp; 3-4 \"x\"")).isEqualTo("1,000.5 dollars , ( approx . ) & 3 - 4 \" x \"");
        assertThatThrownBy(() -> Bleu.corpusBleu(HYPOTHESES, List.of(List.of("one")))).hasMessageContaining("1 segments for 3");
    }

    private static double raw(String hypothesis, String reference) {
        return Bleu.corpusBleu(List.of(hypothesis), List.of(List.of(reference)), RAW).score() / 100;
    }
}
