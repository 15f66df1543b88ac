package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.Elementwise;

import java.util.Collection;

/** Gradient clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the L2 norm over every gradient;
     * returns ‖g‖ before clipping.
     */
    public static float clipGradNorm(Collection<Tensor> params, float maxNorm) {
        double sumSquares = 0;
        for (Tensor p : params) {
            if (p.grad() != null) {
                float[] g = p.grad().data();
                sumSquares += Elementwise.dot(g, 0, g, 0, p.grad().numel());
            }
        }
        float norm = (float) Math.sqrt(sumSquares);
        float scale = maxNorm / (norm + 1e-6f);
        if (scale < 1f) {
            for (Tensor p : params) {
                if (p.grad() != null) {
                    Elementwise.scale(p.grad().data(), 0, scale, p.grad().numel());
                }
            }
        }
        return norm;
    }
}
