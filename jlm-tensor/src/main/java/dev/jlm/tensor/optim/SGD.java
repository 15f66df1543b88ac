package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum as {@code torch.optim.SGD}: g ← g + wd·p; b ← μ·b + g (b = g on the
 * first step); p ← p − lr·b (or with Nesterov, p ← p − lr·(g + μ·b)).
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final boolean nesterov;
    private final Map<Tensor, float[]> velocity = new HashMap<>();

    public SGD(List<ParamGroup> groups, float learningRate, float momentum, boolean nesterov) {
        super(groups, learningRate);
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step() {
        for (ParamGroup group : groups) {
            float wd = group.weightDecay();
            for (Tensor p : group.params()) {
                if (p.grad() == null) {
                    continue;
                }
                float[] g = p.grad().data();
                float[] data = p.data();
                int off = p.offset();
                boolean first = !velocity.containsKey(p);
                float[] b = momentum != 0 ? velocity.computeIfAbsent(p, t -> new float[t.numel()]) : null;
                for (int i = 0; i < g.length; i++) {
                    float grad = g[i] + wd * data[off + i];
                    if (b != null) {
                        b[i] = first ? grad : momentum * b[i] + grad;
                        grad = nesterov ? grad + momentum * b[i] : b[i];
                    }
                    data[off + i] -= learningRate * grad;
                }
            }
        }
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> state = newState();
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                float[] b = velocity.get(group.params().get(i));
                if (b != null) {
                    state.put(group.names().get(i) + ".momentum_buffer", b);
                }
            }
        }
        return state;
    }

    @Override
    public void loadState(Map<String, float[]> state) {
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                float[] b = state.get(group.names().get(i) + ".momentum_buffer");
                if (b != null) {
                    velocity.put(group.params().get(i), b.clone());
                }
            }
        }
    }
}
