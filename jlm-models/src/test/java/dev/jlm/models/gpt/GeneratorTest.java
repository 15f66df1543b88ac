package dev.jlm.models.gpt;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeneratorTest {
    private static final float[] LOGITS = {2f, 1.5f, 0.5f, -1f, 1.9f};

    @Test
    void settingsChangeOneFieldAtATime() {
        Generator.Settings s = Generator.Settings.sampling(20).withTemperature(0.7f).withTopK(40).withTopP(0.9f)
                .withRepetitionPenalty(1.3f).withSeed(7).withEosTokenId(50256).withStopStrings(List.of("\n\n"));
        assertThat(s).isEqualTo(new Generator.Settings(20, false, 0.7f, 40, 0.9f, 1.3f, 7, 50256, List.of("\n\n")));
        assertThat(s.withMaxNewTokens(5).maxNewTokens()).isEqualTo(5);
        assertThat(Generator.Settings.greedy(3).withTemperature(0f).greedy()).isTrue();
        assertThatThrownBy(() -> Generator.Settings.sampling(3).withTemperature(0f)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> s.withTopP(1.5f)).hasMessageContaining("top-p");
    }

    @Test
    void samplingNarrowsAsAsked() {
        List<Integer> history = List.of();
        assertThat(Generator.choose(LOGITS, history, Generator.Settings.greedy(1), new SplittableRandom(1))).isZero();
        for (long seed = 0; seed < 50; seed++) {
            // top-k 2 keeps ids 0 and 4; a tiny top-p keeps the most likely alone.
            assertThat(Generator.choose(LOGITS, history, Generator.Settings.sampling(1).withTopK(2), new SplittableRandom(seed)))
                    .isIn(0, 4);
            assertThat(Generator.choose(LOGITS, history, Generator.Settings.sampling(1).withTopP(0.01f), new SplittableRandom(seed)))
                    .isZero();
        }
        // A penalty of 2 halves the seen positive logit 2 → 1, below id 4's 1.9.
        assertThat(Generator.choose(LOGITS, List.of(0), Generator.Settings.greedy(1).withRepetitionPenalty(2f), new SplittableRandom(1)))
                .isEqualTo(4);
    }

    @Test
    void theSameSeedDrawsTheSameToken() {
        Generator.Settings hot = Generator.Settings.sampling(1).withTemperature(5f);
        int[] counts = new int[LOGITS.length];
        for (long seed = 0; seed < 200; seed++) {
            int a = Generator.choose(LOGITS, List.of(), hot, new SplittableRandom(seed));
            assertThat(Generator.choose(LOGITS, List.of(), hot, new SplittableRandom(seed))).isEqualTo(a);
            counts[a]++;
        }
        // At temperature 5 the distribution is nearly flat: every id is drawn.
        assertThat(java.util.Arrays.stream(counts).min().orElseThrow()).isPositive();
    }
}
