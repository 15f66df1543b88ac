package dev.jlm.models.plan;

import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class JlmTrainingMemoryTest {

    @Test
    void estimateMatchesTheMeasuredPeakOfATrainingStep() {
        // Odd sizes, so that no other test's pooled buffers fit this run's tensors; every array stays below G1's
        // humongous size (half a 4 MB region at -Xmx8g), which G1 would round up to whole regions — a heap-layout
        // cost the estimate does not model (largest array here: 4·n·C floats = 1.55 MB).
        GptConfig config = GptConfig.builder().vocabSize(101).blockSize(61).nLayer(4).nHead(6).nEmbd(198).dropout(0f).build();
        int batch = 8;
        int t = 61;
        JlmTrainingMemory.Estimate estimate = JlmTrainingMemory.gptAdamW(config, batch, t);

        long before = liveHeap();
        long freshBefore = Memory.freshScopedBytes();
        Gpt model = new Gpt(config, 1);
        AdamW optimizer = new AdamW(Optimizer.allParameters(model, 0f), 1e-3f, 0.9f, 0.999f, 1e-8f);
        SplittableRandom random = new SplittableRandom(2);
        int[] ids = random.ints(batch * t, 0, config.vocabSize()).toArray();
        int[] targets = random.ints(batch * t, 0, config.vocabSize()).toArray();
        long measured = 0;
        long firstStepScoped = 0;
        for (int step = 0; step < 2; step++) {
            try (var scope = Memory.scope()) {
                model.loss(ids, targets, batch, t).backward();
                if (step == 0) {
                    firstStepScoped = Memory.freshScopedBytes() - freshBefore;
                } else {
                    // The end of the second backward: AdamW's moments exist, every activation is still held by the
                    // scope and the pool holds the step's released gradients — the step's peak.
                    measured = liveHeap() - before;
                }
            }
            optimizer.step();
            optimizer.zeroGrad();
        }
        long parameters = model.namedParameters().values().stream().mapToLong(Tensor::numel).sum();
        assertThat(estimate.weights()).isEqualTo(4 * parameters);
        // jlm's own accounting of what the scope allocated (activations and gradients in flight), to the byte.
        assertThat(firstStepScoped).isEqualTo(estimate.activations() + estimate.gradientsInFlight());
        // The heap as the JVM reports it after a full GC, within the 15% the issue asks for.
        assertThat((double) measured).isCloseTo(estimate.total(), within(0.15 * estimate.total()));
        System.out.printf("estimated %d B, measured %d B (%.1f%%)%n", estimate.total(), measured,
                100.0 * (measured - estimate.total()) / estimate.total());
    }

    @Test
    void onlyTheTracedConfigurationsAreEstimated() {
        assertThatThrownBy(() -> JlmTrainingMemory.gptAdamW(small().dropout(0.2f).build(), 4, 64))
                .hasMessageContaining("dropout 0.2");
        assertThatThrownBy(() -> JlmTrainingMemory.gptAdamW(small().dropout(0f).build(), 4, 65))
                .hasMessageContaining("[1, 64]");
    }

    private static GptConfig.Builder small() {
        return GptConfig.builder().vocabSize(65).blockSize(64).nLayer(2).nHead(2).nEmbd(32);
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
