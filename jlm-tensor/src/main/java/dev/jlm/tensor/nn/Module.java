package dev.jlm.tensor.nn;

import dev.jlm.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A layer or model: named parameters and named child modules, as PyTorch's {@code nn.Module}. Parameter names are
 * dotted paths ({@code h.0.attn.c_attn.weight}), in registration order, which is also the order of the state dict.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable tensor under {@code name}; returns it. */
    protected Tensor parameter(String name, Tensor value) {
        checkNewName(name);
        value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /** Unregisters a parameter (a weight a layer now holds in another form, say quantized). */
    protected void removeParameter(String name) {
        if (parameters.remove(name) == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter '" + name + "'");
        }
    }

    /** Registers a child module under {@code name}; returns it. */
    protected <M extends Module> M child(String name, M module) {
        checkNewName(name);
        children.put(name, module);
        return module;
    }

    /** Registers a list of children as {@code name.0}, {@code name.1}, … (PyTorch's ModuleList); returns it. */
    protected <M extends Module> List<M> children(String name, List<M> modules) {
        checkNewName(name);
        for (int i = 0; i < modules.size(); i++) {
            children.put(name + "." + i, modules.get(i));
        }
        return List.copyOf(modules);
    }

    /** Unregisters the child {@code name} (an adapter's module leaving its layer). */
    protected void removeChild(String name) {
        if (children.remove(name) == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no child '" + name + "'");
        }
    }

    /**
     * This module (under "") and every module below it by dotted name, parents before children (PyTorch's
     * {@code named_modules}); a module reachable twice appears once.
     */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        Set<Module> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collectModules("", out, seen);
        return out;
    }

    private void collectModules(String name, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(this)) {
            return;
        }
        out.put(name, this);
        children.forEach((child, module) -> module.collectModules(name.isEmpty() ? child : name + "." + child, out, seen));
    }

    private void checkNewName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' cannot name a parameter or module");
        }
        boolean taken = parameters.containsKey(name) || children.keySet().stream()
                .anyMatch(key -> key.equals(name) || key.startsWith(name + "."));
        if (taken) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is registered twice");
        }
    }

    /** Every parameter by dotted name; a tensor shared by two modules (tied weights) appears once, first name wins. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect("", out, seen);
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        parameters.forEach((name, tensor) -> {
            if (seen.add(tensor)) {
                out.put(prefix + name, tensor);
            }
        });
        children.forEach((name, child) -> child.collect(prefix + name + ".", out, seen));
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of parameter values (tied tensors counted once). */
    public long parameterCount() {
        return namedParameters().values().stream().mapToLong(Tensor::numel).sum();
    }

    /** Training mode (dropout active) for this module and all children. */
    public Module train() {
        return train(true);
    }

    /** Training mode when {@code on}, evaluation mode otherwise, for this module and all children. */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(child -> child.train(on));
        return this;
    }

    public Module eval() {
        return train(false);
    }

    public boolean isTraining() {
        return training;
    }

    /** Stops (or resumes) gradient updates of every parameter of this module: freezing for fine-tuning. */
    public Module requiresGrad(boolean on) {
        namedParameters().values().forEach(p -> p.requiresGrad(on));
        return this;
    }

    /** Reseeds every dropout layer below this module from {@code seed} (each layer differently). */
    public void reseedDropout(long seed) {
        long[] next = {seed};
        visit(module -> {
            if (module instanceof Dropout dropout) {
                dropout.reseed(next[0]);
                next[0] = next[0] * 6364136223846793005L + 1442695040888963407L;
            }
        });
    }

    private void visit(java.util.function.Consumer<Module> action) {
        action.accept(this);
        children.values().forEach(child -> child.visit(action));
    }

    /** Sets every parameter's gradient to none. */
    public void zeroGrad() {
        namedParameters().values().forEach(Tensor::zeroGrad);
    }

    /** The parameters by name (the tensors themselves, not copies). */
    public Map<String, Tensor> stateDict() {
        return namedParameters();
    }

    /** {@link #loadStateDict(Map, boolean)} with {@code strict}, PyTorch's default. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    /**
     * Copies values into this module's parameters. Every parameter must be present with its exact shape; with
     * {@code strict}, names the module does not have are an error too. Everything is checked before anything is
     * copied, so a failed load leaves the module as it was. Errors name the tensors.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = namedParameters();
        List<String> missing = new ArrayList<>();
        for (var entry : own.entrySet()) {
            Tensor source = state.get(entry.getKey());
            if (source == null) {
                missing.add(entry.getKey());
            } else if (!Arrays.equals(source.shape(), entry.getValue().shape())) {
                throw new IllegalArgumentException("tensor '" + entry.getKey() + "' has shape " + Arrays.toString(source.shape())
                        + ", the model expects " + Arrays.toString(entry.getValue().shape()));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("missing tensor" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing));
        }
        if (strict) {
            Set<String> unexpected = new TreeSet<>(state.keySet());
            unexpected.removeAll(own.keySet());
            if (!unexpected.isEmpty()) {
                throw new IllegalArgumentException("unexpected tensor" + (unexpected.size() > 1 ? "s " : " ")
                        + String.join(", ", unexpected));
            }
        }
        own.forEach((name, target) -> target.assign(state.get(name)));
    }
}
