package dev.jlm.tasks.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Expected values are rouge-score's own tests (google-research rouge/rouge_scorer_test.py), whose "AgainstRouge155"
 * numbers come from the original ROUGE-1.5.5 Perl script, on its test data (rouge/testdata: random strings with
 * English suffixes, so that stemming matters).
 */
class RougeTest {
    private static final String TARGET_0 = "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing "
            + "Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L";
    private static final String PREDICTION_0 = "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl "
            + "jB-RPP'iyOIcUxi";
    private static final String TARGET_1 = "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing "
            + "sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T "
            + "BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN";
    private static final String PREDICTION_1 = "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed "
            + "HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD";
    private static final String TARGET_MULTI = TARGET_0 + "\n" + TARGET_1 + "\n"
            + "NhETebUbBk'er WOvoHMTjSRizKgH'vHiing Xu,hWxfs VkNE QhgKiLHE -HidivzoM.dO anhtion jbLQiSGDTCsuhREebUaKM dv J dVN tmbOT\n"
            + "vMR HDm,xOAetion D,tion HJtodT.mHl UIv-p VjWH'BdyWjnfGU-OjT aEMdFICyLWfQMtion wEMfdOKing AwkeKbO 'DxqNOHBH qKtVvm "
            + "OYJl mM\n";
    private static final String PREDICTION_MULTI = PREDICTION_0 + "\n" + PREDICTION_1 + "\n"
            + "xfs VkJE QhgKiLHE -HidivzoM.dO anhing jbLQiSGDTCsuhREebUaKM dv J\n"
            + "VjWH'BdyWjnfGU-OjTNaEMdFICyLWfQMing wEMfdOKijg AwkeKbO 'DxqNO\n";
    private static final double PLACES_5 = 5e-6; // assertAlmostEqual(..., places=5)

    @Test
    void smallExamples() {
        Rouge rouge = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false);
        assertScore(rouge.score("testing one two", "testing").get("rouge1"), 1, 1.0 / 3, 1.0 / 2, 1e-15);
        assertScore(rouge.score("testing one two", "testing one").get("rouge2"), 1, 1.0 / 2, 2.0 / 3, 1e-15);
        assertScore(rouge.score("testing one two", "testing one").get("rougeL"), 1, 2.0 / 3, 4.0 / 5, 1e-15);
        assertScore(rouge.score("testing one two", "testing two").get("rougeL"), 1, 2.0 / 3, 4.0 / 5, 1e-15);
        for (Rouge.Score empty : new Rouge(List.of("rouge1", "rouge2", "rougeL", "rougeLsum"), false).score("testing one two", "").values()) {
            assertScore(empty, 0, 0, 0, 0);
        }
        assertThatThrownBy(() -> new Rouge(List.of("rouge0"), false)).hasMessageContaining("rouge0");
        assertThatThrownBy(() -> new Rouge(List.of("rouge10"), false)).hasMessageContaining("rouge10");
    }

    @Test
    void againstRouge155() {
        Map<String, Rouge.Score> first = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false).score(TARGET_0, PREDICTION_0);
        assertScore(first.get("rouge1"), 0.68750, 0.40741, 0.51163, PLACES_5);
        assertScore(first.get("rouge2"), 0.53333, 0.30769, 0.39024, PLACES_5);
        assertScore(first.get("rougeL"), 0.68750, 0.40741, 0.51163, PLACES_5);
        Map<String, Rouge.Score> second = new Rouge(List.of("rouge1", "rouge2", "rougeL"), false).score(TARGET_1, PREDICTION_1);
        assertScore(second.get("rouge1"), 0.65385, 0.40476, 0.50000, PLACES_5);
        assertScore(second.get("rouge2"), 0.48000, 0.29268, 0.36364, PLACES_5);
        assertScore(second.get("rougeL"), 0.65385, 0.40476, 0.50000, PLACES_5);
    }

    @Test
    void againstRouge155WithStemming() {
        Rouge stemmed = new Rouge(List.of("rouge1", "rouge2"), true);
        assertScore(stemmed.score(TARGET_0, PREDICTION_0).get("rouge1"), 0.68750, 0.40741, 0.51163, PLACES_5);
        assertScore(stemmed.score(TARGET_1, PREDICTION_1).get("rouge1"), 0.69231, 0.42857, 0.52941, PLACES_5);
        assertScore(stemmed.score(TARGET_1, PREDICTION_1).get("rouge2"), 0.48000, 0.29268, 0.36364, PLACES_5);
        Rouge.Score lsum = new Rouge(List.of("rougeLsum"), true).score(TARGET_MULTI, PREDICTION_MULTI).get("rougeLsum");
        assertScore(lsum, 0.66667, 0.36538, 0.47205, PLACES_5);
    }

    @Test
    void summaryLevelLcsUnionsTheCandidateSentences() {
        // rouge_scorer_test.testRougeLsum: the union LCS example of Lin (2004), section 3.2.
        Rouge lsum = new Rouge(List.of("rougeLsum"), false);
        Rouge.Score score = lsum.score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5").get("rougeLsum");
        assertScore(score, 0.4, 0.8, 0.5333, 5e-5);
        assertScore(lsum.score("w1 w2 w3 w4 w5", "/").get("rougeLsum"), 0, 0, 0, 0);
        assertScore(lsum.score("", "w1").get("rougeLsum"), 0, 0, 0, 0);
        // Without newlines rougeLsum is rougeL.
        Rouge both = new Rouge(List.of("rougeL", "rougeLsum"), false);
        Map<String, Rouge.Score> single = both.score(TARGET_0, PREDICTION_0);
        assertThat(single.get("rougeLsum")).isEqualTo(single.get("rougeL"));
    }

    @Test
    void scoreMultiTakesTheBestTargetPerType() {
        Rouge rouge = new Rouge(List.of("rouge1"), false);
        Map<String, Rouge.Score> best = rouge.scoreMulti(List.of("nothing shared", "testing one two"), "testing one");
        assertThat(best.get("rouge1")).isEqualTo(rouge.score("testing one two", "testing one").get("rouge1"));
    }

    @Test
    void tokenizerKeepsLowerCaseAlphanumericRuns() {
        assertThat(Rouge.tokenize("The quick-brown FOX, 2nd time!", false)).containsExactly("the", "quick", "brown", "fox", "2nd", "time");
        assertThat(Rouge.tokenize("Jumps running flies", true)).containsExactly("jump", "run", "fli");
    }

    private static void assertScore(Rouge.Score s, double precision, double recall, double fmeasure, double tolerance) {
        assertThat(s.precision()).as("precision").isCloseTo(precision, within(tolerance));
        assertThat(s.recall()).as("recall").isCloseTo(recall, within(tolerance));
        assertThat(s.fmeasure()).as("fmeasure").isCloseTo(fmeasure, within(tolerance));
    }
}
