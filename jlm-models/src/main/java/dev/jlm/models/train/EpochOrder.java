package dev.jlm.models.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which examples a training step sees: each epoch is a fresh permutation of the examples drawn from the seed and the
 * epoch number, cut into batches. A step's batch depends only on the step, so a resumed run sees the same data as an
 * uninterrupted one. The current epoch's permutation is computed once.
 */
public final class EpochOrder {
    private final int examples;
    private final int batchSize;
    private final long seed;
    private int epoch = -1;
    private int[] order;

    public EpochOrder(int examples, int batchSize, long seed) {
        if (examples < 1 || batchSize < 1) {
            throw new IllegalArgumentException("an epoch needs examples and a positive batch size");
        }
        this.examples = examples;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** Batches per epoch; the last one may be short. */
    public int stepsPerEpoch() {
        return (examples + batchSize - 1) / batchSize;
    }

    /** The example indexes of step {@code step} (0-based, counted over all epochs). */
    public int[] batch(int step) {
        int stepEpoch = step / stepsPerEpoch();
        if (stepEpoch != epoch) {
            order = permutation(new SplittableRandom(seed * 7919L + stepEpoch));
            epoch = stepEpoch;
        }
        int from = (step % stepsPerEpoch()) * batchSize;
        return Arrays.copyOfRange(order, from, Math.min(examples, from + batchSize));
    }

    private int[] permutation(SplittableRandom random) {
        int[] out = new int[examples];
        for (int i = 0; i < examples; i++) {
            out[i] = i;
        }
        for (int i = examples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = out[i];
            out[i] = out[j];
            out[j] = swap;
        }
        return out;
    }
}
