package dev.jlm.models.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class EpochOrderTest {
    @Test
    void eachEpochVisitsEveryExampleOnceInAnOrderFixedByTheStep() {
        EpochOrder order = new EpochOrder(10, 4, 7);
        assertThat(order.stepsPerEpoch()).isEqualTo(3);
        List<Integer> epoch0 = new ArrayList<>();
        List<Integer> epoch1 = new ArrayList<>();
        for (int step = 0; step < 6; step++) {
            for (int i : order.batch(step)) {
                (step < 3 ? epoch0 : epoch1).add(i);
            }
        }
        assertThat(order.batch(2)).hasSize(2);
        assertThat(epoch0).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
        assertThat(epoch1).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).boxed().toList());
        assertThat(epoch1).isNotEqualTo(epoch0);
        // A fresh instance (a resumed run) gives step 4 the same batch.
        assertThat(new EpochOrder(10, 4, 7).batch(4)).containsExactly(order.batch(4));
    }
}
