package dev.jlm.models.peft;

import dev.jlm.models.gpt.Conv1D;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.nn.QuantizableLayer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A model with LoRA adapters on its target layers (PEFT's {@code get_peft_model} with a {@link LoraConfig}): the base
 * weights frozen, the adapters, the chosen biases and the modules_to_save trainable. The model itself is changed in
 * place — it keeps its class and forward, and its parameters now include {@code ….lora_A.weight} and
 * {@code ….lora_B.weight} — so every trainer and pipeline runs it as before.
 *
 * <p>Adapters are saved as PEFT saves them ({@link #save}): {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with the keys {@code get_peft_model_state_dict} writes — the model's parameter
 * names behind {@code base_model.model.}, no adapter name, a wrapped layer's bias as {@code ….base_layer.bias}.
 *
 * <pre>{@code
 * LoraConfig config = LoraConfig.builder().r(8).loraAlpha(16).target("query,value")
 *         .modulesToSave(List.of("classifier")).taskType("SEQ_CLS").build();
 * LoraModel lora = LoraModel.wrap(classifier, config, 42);   // then train `classifier` as usual
 * lora.save(Path.of("out/adapter"), "sentence-transformers/all-MiniLM-L6-v2");
 * LoraModel again = LoraModel.load(freshClassifier, Path.of("out/adapter"));
 * }</pre>
 */
public final class LoraModel implements PeftModel {
    /** PEFT's prefix of every saved key: {@code PeftModel.base_model} (the LoraModel) {@code .model} (the base). */
    public static final String KEY_PREFIX = "base_model.model.";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private record Target(String name, LoraLayer layer, Tensor bias, Runnable detach) {
    }

    public final Module model;
    public final LoraConfig config;
    private final List<Target> targets;
    private final List<String> savedModules;

    private LoraModel(Module model, LoraConfig config, List<Target> targets, List<String> savedModules) {
        this.model = model;
        this.config = config;
        this.targets = targets;
        this.savedModules = savedModules;
    }

    /**
     * Attaches fresh adapters (B = 0, so outputs are unchanged) to every target layer of {@code model} and freezes
     * the rest. A target name matching no layer, a target that is not a Linear or Conv1D, a rank larger than a layer
     * and a modules_to_save name matching nothing are errors.
     */
    public static LoraModel wrap(Module model, LoraConfig config, long seed) {
        Map<String, Module> modules = model.namedModules();
        for (String target : config.targetModules()) {
            if (modules.keySet().stream().noneMatch(name -> LoraConfig.matchesSuffix(name, target))) {
                throw new IllegalArgumentException("target module '" + target + "' matches no module of the model"
                        + example(modules));
            }
        }
        for (String saved : config.modulesToSave()) {
            if (modules.keySet().stream().noneMatch(name -> LoraConfig.matchesSuffix(name, saved))) {
                throw new IllegalArgumentException("modules_to_save '" + saved + "' matches no module of the model" + example(modules));
            }
        }
        model.requiresGrad(false);
        SplittableRandom random = new SplittableRandom(seed);
        List<Target> targets = new ArrayList<>();
        List<String> saved = new ArrayList<>();
        for (var entry : modules.entrySet()) {
            String name = entry.getKey();
            if (!name.isEmpty() && config.saves(name)) {
                entry.getValue().requiresGrad(true);
                saved.add(name);
                continue;
            }
            if (name.isEmpty() || !config.targets(name)) {
                continue;
            }
            if (entry.getValue() instanceof QuantizableLayer layer && layer.quantized() != null) {
                throw new IllegalArgumentException("target module '" + name + "' holds " + layer.quantized().format()
                        + " weights: LoRA on a quantized base is not supported (merge the adapter, then quantize)");
            }
            switch (entry.getValue()) {
                case Linear linear -> {
                    checkRank(name, config.r(), linear.inFeatures(), linear.outFeatures());
                    LoraLayer layer = new LoraLayer(linear.weight, false, linear.inFeatures(), linear.outFeatures(), config, random.split());
                    linear.attach(layer);
                    targets.add(new Target(name, layer, linear.bias, linear::detach));
                }
                case Conv1D conv -> {
                    checkRank(name, config.r(), conv.inFeatures(), conv.outFeatures());
                    LoraLayer layer = new LoraLayer(conv.weight, true, conv.inFeatures(), conv.outFeatures(), config, random.split());
                    conv.attach(layer);
                    targets.add(new Target(name, layer, conv.bias, conv::detach));
                }
                default -> throw new IllegalArgumentException("target module '" + name + "' is a "
                        + entry.getValue().getClass().getSimpleName() + "; LoRA adapts Linear and Conv1D layers");
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("target modules " + (config.targetRegex() != null ? "'" + config.targetRegex() + "'"
                    : config.targetModules()) + " match no Linear or Conv1D layer of the model" + example(modules));
        }
        LoraModel lora = new LoraModel(model, config, List.copyOf(targets), List.copyOf(saved));
        lora.trainedBiases().values().forEach(bias -> bias.requiresGrad(true));
        return lora;
    }

    private static void checkRank(String name, int r, int in, int out) {
        if (r > Math.min(in, out)) {
            throw new IllegalArgumentException("r " + r + " is larger than layer '" + name + "' allows (" + in + " in, "
                    + out + " out features)");
        }
    }

    private static String example(Map<String, Module> modules) {
        return modules.entrySet().stream()
                .filter(e -> e.getValue() instanceof Linear || e.getValue() instanceof Conv1D)
                .map(e -> " (its layers are named like '" + e.getKey() + "')").findFirst().orElse("");
    }

    /** The biases that train by {@code bias}, by the key they are saved under (without the prefix). */
    private Map<String, Tensor> trainedBiases() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        switch (config.bias()) {
            case NONE -> {
            }
            // PEFT looks for an adapted layer's bias as "X.bias", but its wrapped layer names it "X.base_layer.bias",
            // so PEFT itself saves none and trained biases are lost; jlm saves them under the key PEFT loads them by.
            case LORA_ONLY -> targets.stream().filter(t -> t.bias() != null)
                    .forEach(t -> out.put(t.name() + ".base_layer.bias", t.bias()));
            case ALL -> {
                Map<Tensor, String> adaptedBias = new java.util.IdentityHashMap<>();
                targets.stream().filter(t -> t.bias() != null).forEach(t -> adaptedBias.put(t.bias(), t.name()));
                model.namedParameters().forEach((name, p) -> {
                    if (name.equals("bias") || name.endsWith(".bias")) {
                        String adapted = adaptedBias.get(p);
                        out.put(adapted != null ? adapted + ".base_layer.bias" : name, p);
                    }
                });
            }
        }
        return out;
    }

    /** The adapted layers' names, in model order. */
    public List<String> targetNames() {
        return targets.stream().map(Target::name).toList();
    }

    /** The adapter of the layer named {@code name}. */
    public LoraLayer layer(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).map(Target::layer).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no adapted layer '" + name + "'"));
    }

    /**
     * What {@code get_peft_model_state_dict} returns: the adapters, the trained biases and the modules_to_save,
     * under PEFT's keys. The tensors are the model's own.
     */
    @Override
    public Map<String, Tensor> adapterStateDict() {
        Map<String, Tensor> params = model.namedParameters();
        Map<String, Tensor> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (name.contains(".lora_A.") || name.contains(".lora_B.") || inSavedModule(name)) {
                out.put(KEY_PREFIX + name, p);
            }
        });
        trainedBiases().forEach((name, p) -> out.putIfAbsent(KEY_PREFIX + name, p));
        return out;
    }

    private boolean inSavedModule(String name) {
        return savedModules.stream().anyMatch(module -> name.startsWith(module + "."));
    }

    @Override
    public long trainableParameters() {
        return model.namedParameters().values().stream().filter(Tensor::requiresGrad).mapToLong(Tensor::numel).sum();
    }

    @Override
    public String description() {
        return "LoRA on " + targets.size() + " layers";
    }

    public long totalParameters() {
        return model.parameterCount();
    }

    /** PEFT's {@code print_trainable_parameters} line: "trainable params: 1,234 || all params: … || trainable%: …". */
    @Override
    public String trainableParametersSummary() {
        long trainable = trainableParameters();
        long total = totalParameters();
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f",
                trainable, total, 100.0 * trainable / total);
    }

    /** Merges every adapter into its layer's weight. */
    public void merge() {
        targets.forEach(t -> t.layer().merge());
    }

    /** Undoes {@link #merge}. */
    public void unmerge() {
        targets.forEach(t -> t.layer().unmerge());
    }

    /**
     * PEFT's {@code merge_and_unload}: merges the adapters and removes them, leaving the plain model (with the trained
     * head and biases) to save as an ordinary checkpoint. This LoraModel is spent afterwards.
     */
    public Module mergeAndUnload() {
        for (Target t : targets) {
            if (!t.layer().merged()) {
                t.layer().merge();
            }
            t.detach().run();
        }
        model.requiresGrad(true);
        return model;
    }

    /**
     * Writes the adapter folder as PEFT's {@code save_pretrained} does: {@code adapter_config.json} (recording
     * {@code baseModel} and inference mode) and {@code adapter_model.safetensors}, each through a temporary file.
     */
    @Override
    public void save(Path directory, String baseModel) throws IOException {
        Files.createDirectories(directory);
        SafeTensors.write(directory.resolve(WEIGHTS_FILE), adapterStateDict(), Map.of("format", "pt"));
        config.describing(baseModel, true).write(directory.resolve(LoraConfig.FILE_NAME));
    }

    /**
     * Applies the adapter folder {@code directory} (PEFT's or jlm's) to {@code model}: attaches adapters as its config
     * says and loads every saved tensor. A key naming no parameter of the model, a shape that differs and an adapter
     * tensor the file lacks are errors naming the file and tensor — an adapter trained on another base fails here.
     */
    public static LoraModel load(Module model, Path directory) throws IOException {
        Path configFile = directory.resolve(LoraConfig.FILE_NAME);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(directory + ": no " + LoraConfig.FILE_NAME + " (not a PEFT adapter folder)");
        }
        if (!Files.isRegularFile(weightsFile)) {
            throw new IOException(directory + ": no " + WEIGHTS_FILE);
        }
        LoraConfig config = LoraConfig.read(configFile);
        LoraModel lora;
        try {
            lora = wrap(model, config, 0);
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage());
        }
        lora.loadWeights(directory);
        return lora;
    }

    /**
     * Loads the tensors of the adapter folder {@code directory} into these adapters (a resumed run's checkpoint, or
     * {@link #load}'s second half), checking every key and shape before anything is copied.
     */
    @Override
    public void loadWeights(Path directory) throws IOException {
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new IOException(directory + ": no " + WEIGHTS_FILE);
        }
        Map<String, Tensor> own = model.namedParameters();
        Map<String, Tensor> expected = adapterStateDict();
        Map<String, Tensor> loaded = new LinkedHashMap<>();
        try (SafeTensors weights = SafeTensors.open(weightsFile)) {
            for (String key : weights.entries().keySet()) {
                if (!key.startsWith(KEY_PREFIX)) {
                    throw new IOException(weightsFile + ": key '" + key + "' does not start with '" + KEY_PREFIX + "'");
                }
                String name = key.substring(KEY_PREFIX.length()).replace(".base_layer.", ".");
                Tensor target = own.get(name);
                if (target == null) {
                    throw new IOException(weightsFile + ": '" + key + "' names no parameter of the base model"
                            + " (is the adapter for another model?)");
                }
                Tensor value = weights.tensor(key);
                if (!Arrays.equals(value.shape(), target.shape())) {
                    throw new IOException(weightsFile + ": '" + key + "' has shape " + Arrays.toString(value.shape())
                            + ", the base model's is " + Arrays.toString(target.shape()) + " (is the adapter for another model?)");
                }
                loaded.put(name, value);
            }
        }
        for (String key : expected.keySet()) {
            String name = key.substring(KEY_PREFIX.length()).replace(".base_layer.", ".");
            if (name.contains(".lora_") && !loaded.containsKey(name)) {
                throw new IOException(weightsFile + ": no tensor '" + key + "' though the config targets its layer");
            }
        }
        loaded.forEach((name, value) -> own.get(name).assign(value));
    }
}
