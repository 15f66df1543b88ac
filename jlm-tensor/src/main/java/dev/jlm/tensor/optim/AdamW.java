package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.OptimizerKernels;
import dev.jlm.tensor.kernels.Parallel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, exactly as {@code torch.optim.AdamW}: p ← p·(1 − lr·wd), then
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
 */
public final class AdamW extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final Map<Tensor, float[]> firstMoment = new HashMap<>();
    private final Map<Tensor, float[]> secondMoment = new HashMap<>();
    private long step;

    public AdamW(List<ParamGroup> groups, float learningRate, float beta1, float beta2, float eps) {
        super(groups, learningRate);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public void step() {
        step++;
        float correction1 = (float) (1 - Math.pow(beta1, step));
        float correction2 = (float) (1 - Math.pow(beta2, step));
        for (ParamGroup group : groups) {
            float decay = 1f - learningRate * group.weightDecay();
            for (Tensor p : group.params()) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                float[] m = firstMoment.computeIfAbsent(p, t -> new float[t.numel()]);
                float[] v = secondMoment.computeIfAbsent(p, t -> new float[t.numel()]);
                float[] data = p.data();
                int offset = p.offset();
                Parallel.forRange(p.numel(), 8, (s, e) -> OptimizerKernels.adamW(data, offset + s, g.data(), g.offset() + s,
                        m, v, s, e - s, learningRate, decay, beta1, beta2, eps, correction1, correction2));
            }
        }
    }

    public long stepCount() {
        return step;
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> state = newState();
        state.put("step", new float[] {step});
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                Tensor p = group.params().get(i);
                if (firstMoment.containsKey(p)) {
                    state.put(group.names().get(i) + ".exp_avg", firstMoment.get(p));
                    state.put(group.names().get(i) + ".exp_avg_sq", secondMoment.get(p));
                }
            }
        }
        return state;
    }

    @Override
    public void loadState(Map<String, float[]> state) {
        float[] count = state.get("step");
        if (count == null || count.length != 1) {
            throw new IllegalArgumentException("optimizer state has no step count");
        }
        step = (long) count[0];
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                Tensor p = group.params().get(i);
                float[] m = state.get(group.names().get(i) + ".exp_avg");
                float[] v = state.get(group.names().get(i) + ".exp_avg_sq");
                if (m == null || v == null) {
                    continue;
                }
                if (m.length != p.numel() || v.length != p.numel()) {
                    throw new IllegalArgumentException("optimizer state for '" + group.names().get(i) + "' has "
                            + m.length + " values, the parameter has " + p.numel());
                }
                firstMoment.put(p, m.clone());
                secondMoment.put(p, v.clone());
            }
        }
    }
}
