package dev.jlm.tasks.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ClassificationMetricsTest {
    @Test
    void singleLabelMatchesScikitLearnDocExamples() {
        // scikit-learn's f1_score / precision_score / recall_score docstring examples:
        // y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1] -> F1 macro 0.26..., micro 0.33..., per class [0.8, 0, 0];
        // precision macro 0.22..., per class [0.66..., 0, 0]; recall macro 0.33..., per class [1, 0, 0].
        var r = ClassificationMetrics.singleLabel(List.of("0", "1", "2"), new int[] {0, 1, 2, 0, 1, 2}, new int[] {0, 2, 1, 0, 0, 1});
        assertThat(r.macroF1()).isCloseTo(0.8 / 3, within(1e-15));
        assertThat(r.microF1()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(r.macroPrecision()).isCloseTo(2.0 / 9, within(1e-15));
        assertThat(r.macroRecall()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(r.classes()).extracting(ClassificationMetrics.PerClass::f1).containsExactly(0.8, 0.0, 0.0);
        assertThat(r.classes().getFirst().precision()).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(r.classes().getFirst().recall()).isEqualTo(1.0);
        assertThat(r.accuracy()).isCloseTo(1.0 / 3, within(1e-15));
    }

    @Test
    void multiLabelMatchesScikitLearnDocExampleAndHandCounts() {
        // scikit-learn f1_score docstring, multilabel: y_true = [[0,0,0],[1,1,1],[0,1,1]], y_pred = [[0,0,0],[1,1,1],[1,1,0]]
        // -> per class F1 [0.66666667, 1, 0.66666667].
        boolean[][] gold = {{false, false, false}, {true, true, true}, {false, true, true}};
        boolean[][] predicted = {{false, false, false}, {true, true, true}, {true, true, false}};
        var r = ClassificationMetrics.multiLabel(List.of("a", "b", "c"), gold, predicted);
        assertThat(r.classes()).extracting(ClassificationMetrics.PerClass::f1)
                .containsExactly(2.0 / 3, 1.0, 2.0 / 3);
        // Micro: tp 4, fp 1, fn 1 -> P = R = F1 = 0.8; subset accuracy: 2 of 3 rows entirely right.
        assertThat(r.microPrecision()).isCloseTo(0.8, within(1e-15));
        assertThat(r.microF1()).isCloseTo(0.8, within(1e-15));
        assertThat(r.accuracy()).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(r.table()).contains("micro average").contains("macro average");
        assertThatThrownBy(() -> ClassificationMetrics.multiLabel(List.of("a"), gold, predicted)).hasMessageContaining("row 0");
    }

    @Test
    void perplexityIsTheExponentOfTheMeanNll() {
        assertThat(ClassificationMetrics.perplexity(Math.log(50257))).isCloseTo(50257, within(1e-6));
        assertThat(ClassificationMetrics.perplexity(0)).isEqualTo(1.0);
    }
}
