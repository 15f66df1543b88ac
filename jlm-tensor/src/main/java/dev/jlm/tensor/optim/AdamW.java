package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.OptimizerKernels;
import dev.jlm.tensor.kernels.Parallel;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW}: for each parameter with a gradient, with its own
 * step count t, p ← p·(1 − lr·wd), m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², then
 * p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). The scalars are computed in double and each array operation rounds
 * where PyTorch's does.
 */
public final class AdamW extends Optimizer {
    /** One parameter's state; its step counts only the steps in which it had a gradient, as in PyTorch. */
    private static final class Moments {
        final float[] m;
        final float[] v;
        long step;

        Moments(float[] m, float[] v, long step) {
            this.m = m;
            this.v = v;
            this.step = step;
        }
    }

    private static final List<String> STATE_SUFFIXES = List.of(".exp_avg", ".exp_avg_sq", ".step");

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final Map<Tensor, Moments> moments = new IdentityHashMap<>();
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
        for (ParamGroup group : groups) {
            double lr = (double) learningRate * group.lrScale();
            float decay = (float) (1 - lr * group.weightDecay());
            for (Tensor p : group.params()) {
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                Moments s = moments.computeIfAbsent(p, t -> new Moments(new float[t.numel()], new float[t.numel()], 0));
                s.step++;
                float stepSize = (float) (lr / (1 - Math.pow(beta1, s.step)));
                float rootCorrection2 = (float) Math.sqrt(1 - Math.pow(beta2, s.step));
                float[] data = p.data();
                int pOff = p.offset();
                float[] grad = g.data();
                int gOff = g.offset();
                Parallel.forRange(p.numel(), 8, (from, to) -> OptimizerKernels.adamW(data, pOff + from, grad, gOff + from,
                        s.m, s.v, from, to - from, decay, beta1, beta2, eps, stepSize, rootCorrection2));
                p.bumpVersion();
            }
        }
    }

    /** Number of {@link #step()} calls so far. */
    public long stepCount() {
        return step;
    }

    /** PyTorch's names: {@code step}, and per parameter {@code name.exp_avg}, {@code name.exp_avg_sq}, {@code name.step}. */
    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> state = newState();
        // Floats count steps exactly up to 2^24; beyond that both bias corrections are 1 in float anyway.
        state.put("step", new float[] {step});
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                Moments s = moments.get(group.params().get(i));
                if (s != null) {
                    String name = group.names().get(i);
                    state.put(name + ".exp_avg", s.m);
                    state.put(name + ".exp_avg_sq", s.v);
                    state.put(name + ".step", new float[] {s.step});
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
        for (String key : state.keySet()) {
            if (!key.equals("step")) {
                String suffix = STATE_SUFFIXES.stream().filter(key::endsWith).findFirst().orElseThrow(
                        () -> new IllegalArgumentException("optimizer state '" + key + "' is not an AdamW state"));
                parameterNamed(key.substring(0, key.length() - suffix.length()), key);
            }
        }
        Map<Tensor, Moments> loaded = new IdentityHashMap<>();
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                String name = group.names().get(i);
                Tensor p = group.params().get(i);
                float[] m = state.get(name + ".exp_avg");
                float[] v = state.get(name + ".exp_avg_sq");
                if (m == null && v == null) {
                    continue;
                }
                if (m == null || v == null) {
                    throw new IllegalArgumentException("optimizer state for '" + name + "' has only one of exp_avg, exp_avg_sq");
                }
                // Checkpoints from before per-parameter counts hold only the global one, which every parameter shared.
                long own = (long) state.getOrDefault(name + ".step", count)[0];
                loaded.put(p, new Moments(sized(m, p, name + ".exp_avg"), sized(v, p, name + ".exp_avg_sq"), own));
            }
        }
        step = (long) count[0];
        moments.clear();
        moments.putAll(loaded);
    }
}
