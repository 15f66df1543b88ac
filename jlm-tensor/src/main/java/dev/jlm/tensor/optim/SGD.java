package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum as {@code torch.optim.SGD} (no dampening): g ← g + wd·p;
 * b ← μ·b + g (b = g on the first step); p ← p − lr·b, or with Nesterov p ← p − lr·(g + μ·b).
 */
public final class SGD extends Optimizer {
    private static final String SUFFIX = ".momentum_buffer";

    private final float momentum;
    private final boolean nesterov;
    private final Map<Tensor, float[]> velocity = new IdentityHashMap<>();

    public SGD(List<ParamGroup> groups, float learningRate, float momentum, boolean nesterov) {
        super(groups, learningRate);
        if (nesterov && momentum <= 0) {
            throw new IllegalArgumentException("Nesterov momentum needs a momentum above 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step() {
        for (ParamGroup group : groups) {
            float lr = learningRate * group.lrScale();
            float wd = group.weightDecay();
            for (Tensor p : group.params()) {
                if (p.grad() == null) {
                    continue;
                }
                float[] g = p.grad().data();
                int gOff = p.grad().offset();
                float[] data = p.data();
                int off = p.offset();
                boolean first = !velocity.containsKey(p);
                float[] b = momentum != 0 ? velocity.computeIfAbsent(p, t -> new float[t.numel()]) : null;
                for (int i = 0, n = p.numel(); i < n; i++) {
                    float grad = g[gOff + i] + wd * data[off + i];
                    if (b != null) {
                        b[i] = first ? grad : momentum * b[i] + grad;
                        grad = nesterov ? grad + momentum * b[i] : b[i];
                    }
                    data[off + i] -= lr * grad;
                }
                p.bumpVersion();
            }
        }
    }

    /** Per parameter {@code name.momentum_buffer}, as PyTorch names it. */
    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> state = newState();
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                float[] b = velocity.get(group.params().get(i));
                if (b != null) {
                    state.put(group.names().get(i) + SUFFIX, b);
                }
            }
        }
        return state;
    }

    @Override
    public void loadState(Map<String, float[]> state) {
        Map<Tensor, float[]> loaded = new IdentityHashMap<>();
        for (var entry : state.entrySet()) {
            String key = entry.getKey();
            if (!key.endsWith(SUFFIX)) {
                throw new IllegalArgumentException("optimizer state '" + key + "' is not an SGD state");
            }
            Tensor p = parameterNamed(key.substring(0, key.length() - SUFFIX.length()), key);
            loaded.put(p, sized(entry.getValue(), p, key));
        }
        velocity.clear();
        velocity.putAll(loaded);
    }
}
