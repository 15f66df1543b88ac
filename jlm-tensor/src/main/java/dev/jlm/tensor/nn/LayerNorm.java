package dev.jlm.tensor.nn;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;

/** Layer normalization over the last dimension with learned scale and (optionally) shift. */
public final class LayerNorm extends Module {
    public final Tensor weight;
    public final Tensor bias;
    private final float eps;

    public LayerNorm(int dim, float eps, boolean bias) {
        this.weight = parameter("weight", Tensor.ones(dim));
        this.bias = bias ? parameter("bias", Tensor.zeros(dim)) : null;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight, bias, eps);
    }

    /** LN(x + residual), the sum never stored when no gradient is recorded. */
    public Tensor forward(Tensor x, Tensor residual) {
        return F.layerNorm(x, residual, weight, bias, eps);
    }
}
