package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.Elementwise;
import dev.jlm.tensor.kernels.Parallel;

import java.util.Collection;

/** Gradient clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    /** Values summed in float before the partial sums go to double: short enough to keep float rounding negligible. */
    private static final int BLOCK = 4096;

    private GradClip() {
    }

    /**
     * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the L2 norm over every gradient;
     * returns ‖g‖ before clipping. Parameters without a gradient are skipped.
     */
    public static float clipGradNorm(Collection<Tensor> params, float maxNorm) {
        double sumSquares = 0;
        for (Tensor p : params) {
            if (p.grad() != null) {
                sumSquares += sumOfSquares(p.grad());
            }
        }
        float norm = (float) Math.sqrt(sumSquares);
        float scale = maxNorm / (norm + 1e-6f);
        if (scale < 1f) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    Parallel.forRange(g.numel(), 1, (from, to) -> Elementwise.scale(g.data(), g.offset() + from, scale, to - from));
                }
            }
        }
        return norm;
    }

    /** Σ g² in fixed blocks combined in order: the same value whatever the thread count. */
    private static double sumOfSquares(Tensor g) {
        float[] data = g.data();
        int offset = g.offset();
        int n = g.numel();
        double[] partial = new double[(n + BLOCK - 1) / BLOCK];
        Parallel.forRange(partial.length, BLOCK, (first, last) -> {
            for (int b = first; b < last; b++) {
                int start = offset + b * BLOCK;
                int length = Math.min(BLOCK, n - b * BLOCK);
                partial[b] = Elementwise.dot(data, start, data, start, length);
            }
        });
        double total = 0;
        for (double p : partial) {
            total += p;
        }
        return total;
    }
}
