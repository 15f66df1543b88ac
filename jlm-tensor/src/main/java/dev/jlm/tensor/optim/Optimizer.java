package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Updates parameters from their gradients; the learning rate is set per step by a schedule. */
public abstract class Optimizer {
    protected final List<ParamGroup> groups;
    protected float learningRate;

    protected Optimizer(List<ParamGroup> groups, float learningRate) {
        this.groups = List.copyOf(groups);
        this.learningRate = learningRate;
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> names = new HashSet<>();
        for (ParamGroup group : groups) {
            for (int i = 0; i < group.params().size(); i++) {
                if (!seen.add(group.params().get(i)) || !names.add(group.names().get(i))) {
                    throw new IllegalArgumentException("parameter '" + group.names().get(i) + "' appears in more than one place");
                }
            }
        }
    }

    /**
     * nanoGPT's grouping: tensors with two or more dimensions (matrices, embeddings) decay; biases and norm weights
     * do not. Frozen parameters are left out.
     */
    public static List<ParamGroup> decayMatricesOnly(Module model, float weightDecay) {
        List<String> decayNames = new ArrayList<>();
        List<Tensor> decay = new ArrayList<>();
        List<String> plainNames = new ArrayList<>();
        List<Tensor> plain = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> {
            if (!p.requiresGrad()) {
                return;
            }
            (p.dim() >= 2 ? decayNames : plainNames).add(name);
            (p.dim() >= 2 ? decay : plain).add(p);
        });
        return List.of(new ParamGroup(decayNames, decay, weightDecay), new ParamGroup(plainNames, plain, 0f));
    }

    /** One group with every trainable parameter of {@code model}. */
    public static List<ParamGroup> allParameters(Module model, float weightDecay) {
        List<String> names = new ArrayList<>();
        List<Tensor> params = new ArrayList<>();
        model.namedParameters().forEach((name, p) -> {
            if (p.requiresGrad()) {
                names.add(name);
                params.add(p);
            }
        });
        return List.of(new ParamGroup(names, params, weightDecay));
    }

    public void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
    }

    public float learningRate() {
        return learningRate;
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    /** Every parameter this optimizer updates, group by group. */
    public List<Tensor> params() {
        List<Tensor> all = new ArrayList<>();
        groups.forEach(group -> all.addAll(group.params()));
        return all;
    }

    /** Applies one update to every parameter that has a gradient. */
    public abstract void step();

    /** Drops all gradients (set_to_none). */
    public void zeroGrad() {
        for (ParamGroup group : groups) {
            group.params().forEach(Tensor::zeroGrad);
        }
    }

    /**
     * The optimizer's state as named float arrays for checkpoints: the live buffers, so write them out before the
     * next step.
     */
    public abstract Map<String, float[]> state();

    /** Restores what {@link #state()} returned; names must be this optimizer's parameters, sizes must match. */
    public abstract void loadState(Map<String, float[]> state);

    protected static Map<String, float[]> newState() {
        return new LinkedHashMap<>();
    }

    /** The parameter named {@code name}, for state loading; an error when there is none. */
    protected Tensor parameterNamed(String name, String stateKey) {
        for (ParamGroup group : groups) {
            int i = group.names().indexOf(name);
            if (i >= 0) {
                return group.params().get(i);
            }
        }
        throw new IllegalArgumentException("optimizer state '" + stateKey + "' is for '" + name
                + "', which this optimizer does not update");
    }

    /** A copy of {@code values}, checked to hold one value per element of {@code p}. */
    protected static float[] sized(float[] values, Tensor p, String stateKey) {
        if (values.length != p.numel()) {
            throw new IllegalArgumentException("optimizer state '" + stateKey + "' has " + values.length
                    + " values, its parameter has " + p.numel());
        }
        return values.clone();
    }
}
