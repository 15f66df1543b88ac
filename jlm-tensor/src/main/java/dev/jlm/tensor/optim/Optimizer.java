package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Module;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Updates parameters from their gradients; the learning rate is set per step by a schedule. */
public abstract class Optimizer {
    protected final List<ParamGroup> groups;
    protected float learningRate;

    protected Optimizer(List<ParamGroup> groups, float learningRate) {
        this.groups = List.copyOf(groups);
        this.learningRate = learningRate;
    }

    /**
     * nanoGPT's grouping: tensors with two or more dimensions (matrices, embeddings) decay; biases and norm weights
     * do not.
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

    /** Applies one update to every parameter that has a gradient. */
    public abstract void step();

    /** Drops all gradients (set_to_none). */
    public void zeroGrad() {
        for (ParamGroup group : groups) {
            group.params().forEach(Tensor::zeroGrad);
        }
    }

    /** The optimizer's state as named float arrays (for checkpoints). */
    public abstract Map<String, float[]> state();

    /** Restores what {@link #state()} returned; names must match. */
    public abstract void loadState(Map<String, float[]> state);

    protected static Map<String, float[]> newState() {
        return new LinkedHashMap<>();
    }
}
