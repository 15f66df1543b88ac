package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

import java.util.SplittableRandom;

/** Inverted dropout, active only in training mode; seeded for reproducible runs. */
public final class Dropout extends Module {
    private final float p;
    private final SplittableRandom random;

    public Dropout(float p, SplittableRandom random) {
        this.p = p;
        this.random = random;
    }

    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining(), random);
    }
}
