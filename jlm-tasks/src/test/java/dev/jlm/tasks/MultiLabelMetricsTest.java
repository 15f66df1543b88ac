package dev.jlm.tasks;

import dev.jlm.tasks.metrics.MultiLabelMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MultiLabelMetricsTest {
    @Test
    void microAndMacroAveragesByHand() {
        boolean[][] gold = {{true, false}, {true, true}, {false, true}, {false, false}};
        boolean[][] predicted = {{true, true}, {false, true}, {false, true}, {true, false}};
        // class a: tp 1, fp 1, fn 1 → P .5 R .5 F .5; class b: tp 2, fp 1, fn 0 → P 2/3 R 1 F .8
        var r = MultiLabelMetrics.evaluate(List.of("a", "b"), gold, predicted);
        assertThat(r.microPrecision()).isCloseTo(3.0 / 5, within(1e-12));
        assertThat(r.microRecall()).isCloseTo(3.0 / 4, within(1e-12));
        assertThat(r.microF1()).isCloseTo(2 * 0.6 * 0.75 / 1.35, within(1e-12));
        assertThat(r.macroF1()).isCloseTo((0.5 + 0.8) / 2, within(1e-12));
        assertThat(r.classes().get(1).precision()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(MultiLabelMetrics.accuracy(new int[] {1, 2, 3}, new int[] {1, 0, 3})).isCloseTo(2.0 / 3, within(1e-12));
    }
}
