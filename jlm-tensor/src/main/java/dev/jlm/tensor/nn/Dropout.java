package dev.jlm.tensor.nn;

import dev.jlm.tensor.Attention;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/** Inverted dropout, active only in training mode; seeded for reproducible runs. */
public final class Dropout extends Module {
    private final float p;
    private SplittableRandom random;

    public Dropout(float p, SplittableRandom random) {
        this.p = p;
        this.random = random;
    }

    /** Restarts the mask sequence from {@code seed}: training loops reseed per step so a resumed run repeats it. */
    public void reseed(long seed) {
        random = new SplittableRandom(seed);
    }

    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining(), random);
    }

    /**
     * Scaled dot-product attention with this dropout on the attention probabilities in training mode (HF's
     * {@code attention_probs_dropout_prob}, nanoGPT's {@code dropout_p=self.dropout if self.training else 0}); plain
     * attention in evaluation mode.
     */
    public Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal) {
        return Attention.scaledDotProduct(q, k, v, causal, isTraining() ? p : 0f, random);
    }

    /** {@link Attention#scaledDotProductPacked} with this dropout on the probabilities in training mode. */
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, int[] lengths) {
        return Attention.scaledDotProductPacked(q, k, v, heads, lengths, isTraining() ? p : 0f, random);
    }
}
