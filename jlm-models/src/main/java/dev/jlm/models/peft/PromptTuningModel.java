package dev.jlm.models.peft;

import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.nn.Embedding;
import dev.jlm.tensor.nn.Module;

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
import java.util.function.Consumer;

/**
 * A model with a trainable soft prompt (PEFT's {@code get_peft_model} with a {@link PromptTuningConfig}):
 * {@code num_virtual_tokens} embeddings fed before every input, the base frozen, only the prompt and the
 * modules_to_save trainable. The model is changed in place — it keeps its class and forward and now prepends the
 * virtual tokens — so every trainer and pipeline runs it as before.
 *
 * <p>Saved as PEFT saves a prompt-learning adapter ({@link #save}): {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with the prompt as {@code prompt_embeddings} [n, token_dim] and each saved module's
 * tensors behind {@code base_model.} (PEFT's model for prompt learning is the base itself, not a wrapper).
 *
 * <pre>{@code
 * PromptTuningConfig config = PromptTuningConfig.builder().numVirtualTokens(8).init(PromptTuningConfig.Init.TEXT)
 *         .initText("Classify the news topic:").tokenizerNameOrPath("gpt2").taskType("CAUSAL_LM").build();
 * PromptTuningModel prompt = PromptTuningModel.wrap(gpt, config, tokenizer.encode(config.initText()), 42);
 * prompt.save(Path.of("out/adapter"), "gpt2");
 * PromptTuningModel again = PromptTuningModel.load(freshGpt, Path.of("out/adapter"));
 * }</pre>
 */
public final class PromptTuningModel implements PeftModel {
    /** The saved prompt's key, as {@code get_peft_model_state_dict} names it. */
    public static final String PROMPT_KEY = "prompt_embeddings";
    /** PEFT's prefix of a saved module's keys: {@code PeftModel.base_model}, which for prompt learning is the base. */
    public static final String KEY_PREFIX = "base_model.";

    public final Module model;
    public final PromptTuningConfig config;
    /** The soft prompt: [num_virtual_tokens, token_dim]. */
    public final Embedding prompt;
    private final List<String> savedModules;

    private PromptTuningModel(Module model, PromptTuningConfig config, Embedding prompt, List<String> savedModules) {
        this.model = model;
        this.config = config;
        this.prompt = prompt;
        this.savedModules = savedModules;
    }

    /**
     * Prepends a fresh soft prompt to {@code model} and freezes everything else but the modules_to_save. With a TEXT
     * init the prompt starts as the word embeddings of {@code initTokenIds} (the init text tokenized by the config's
     * tokenizer), repeated and cut to the virtual tokens as PEFT does; with RANDOM, {@code initTokenIds} is unused.
     */
    public static PromptTuningModel wrap(Module model, PromptTuningConfig config, int[] initTokenIds, long seed) {
        Host host = host(model);
        int n = config.numVirtualTokens();
        Embedding prompt = new Embedding(n, host.width(), 1f, new SplittableRandom(seed));
        if (config.init() == PromptTuningConfig.Init.TEXT) {
            if (initTokenIds == null || initTokenIds.length == 0) {
                throw new IllegalArgumentException("prompt_tuning_init_text '" + config.initText() + "' has no tokens");
            }
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = initTokenIds[i % initTokenIds.length];
            }
            prompt.weight.assign(host.wordEmbeddings().forward(ids, n).detach());
        }
        return attach(model, host, config.forModel(host.width(), host.layers(), host.heads()), prompt);
    }

    /** Where a model takes virtual tokens: its word embeddings, sizes and the call that prepends the prompt. */
    private record Host(Embedding wordEmbeddings, int width, int layers, int heads, Consumer<Embedding> prepend) {
    }

    private static Host host(Module model) {
        return switch (model) {
            case Gpt gpt -> new Host(gpt.transformer.wte, gpt.config.nEmbd(), gpt.config.nLayer(), gpt.config.nHead(),
                    gpt::prependVirtualTokens);
            case BertForSequenceClassification classifier -> new Host(classifier.bert.embeddings.wordEmbeddings,
                    classifier.bert.config.hiddenSize(), classifier.bert.config.numHiddenLayers(),
                    classifier.bert.config.numAttentionHeads(), classifier.bert::prependVirtualTokens);
            default -> throw new IllegalArgumentException("prompt tuning applies to GPT-2 models and BERT sequence "
                    + "classifiers, not a " + model.getClass().getSimpleName());
        };
    }

    private static PromptTuningModel attach(Module model, Host host, PromptTuningConfig config, Embedding prompt) {
        Map<String, Module> modules = model.namedModules();
        List<String> saved = new ArrayList<>();
        for (String name : config.modulesToSave()) {
            List<String> matches = modules.keySet().stream().filter(m -> LoraConfig.matchesSuffix(m, name)).toList();
            if (matches.isEmpty()) {
                throw new IllegalArgumentException("modules_to_save '" + name + "' matches no module of the model");
            }
            saved.addAll(matches);
        }
        model.requiresGrad(false);
        saved.forEach(name -> modules.get(name).requiresGrad(true));
        host.prepend().accept(prompt);
        prompt.requiresGrad(true);
        return new PromptTuningModel(model, config, prompt, List.copyOf(saved));
    }

    /**
     * What {@code get_peft_model_state_dict} returns: the prompt and the modules_to_save, under PEFT's keys. The
     * tensors are the model's own.
     */
    @Override
    public Map<String, Tensor> adapterStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(PROMPT_KEY, prompt.weight);
        model.namedParameters().forEach((name, p) -> {
            if (savedModules.stream().anyMatch(module -> name.startsWith(module + "."))) {
                out.put(KEY_PREFIX + name, p);
            }
        });
        return out;
    }

    @Override
    public long trainableParameters() {
        return model.namedParameters().values().stream().filter(Tensor::requiresGrad).mapToLong(Tensor::numel).sum();
    }

    @Override
    public String description() {
        return "prompt tuning with " + config.numVirtualTokens() + " virtual tokens";
    }

    /** PEFT's {@code print_trainable_parameters} line, the prompt counted as trainable and the base as all. */
    @Override
    public String trainableParametersSummary() {
        long trainable = trainableParameters();
        long total = model.parameterCount();
        return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f",
                trainable, total, 100.0 * trainable / total);
    }

    /**
     * Writes the adapter folder as PEFT's {@code save_pretrained} does: {@code adapter_config.json} (recording
     * {@code baseModel} and inference mode) and {@code adapter_model.safetensors}.
     */
    @Override
    public void save(Path directory, String baseModel) throws IOException {
        Files.createDirectories(directory);
        SafeTensors.write(directory.resolve(LoraModel.WEIGHTS_FILE), adapterStateDict(), Map.of("format", "pt"));
        config.describing(baseModel, true).write(directory.resolve(LoraConfig.FILE_NAME));
    }

    /**
     * Applies the prompt-tuning folder {@code directory} (PEFT's or jlm's) to {@code model}. A token_dim other than
     * the model's width, a missing prompt, a key naming no parameter and a shape that differs are errors naming the
     * file — an adapter trained on another base fails here.
     */
    public static PromptTuningModel load(Module model, Path directory) throws IOException {
        Path configFile = directory.resolve(LoraConfig.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(directory + ": no " + LoraConfig.FILE_NAME + " (not a PEFT adapter folder)");
        }
        PromptTuningConfig config = PromptTuningConfig.read(configFile);
        Host host;
        try {
            host = host(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage());
        }
        if (config.tokenDim() != host.width()) {
            throw new IOException(configFile + ": token_dim is " + config.tokenDim() + ", the base model's width is "
                    + host.width() + " (is the adapter for another model?)");
        }
        PromptTuningModel tuned;
        try {
            tuned = attach(model, host, config, new Embedding(config.numVirtualTokens(), config.tokenDim(), 0f, new SplittableRandom(0)));
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage());
        }
        tuned.loadWeights(directory);
        return tuned;
    }

    /**
     * Loads the tensors of the adapter folder {@code directory} into this prompt and the saved modules (a resumed
     * run's checkpoint, or {@link #load}'s second half), checking every key and shape before anything is copied.
     */
    @Override
    public void loadWeights(Path directory) throws IOException {
        Path weightsFile = directory.resolve(LoraModel.WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            throw new IOException(directory + ": no " + LoraModel.WEIGHTS_FILE);
        }
        Map<String, Tensor> own = model.namedParameters();
        Map<Tensor, Tensor> loaded = new LinkedHashMap<>();
        try (SafeTensors weights = SafeTensors.open(weightsFile)) {
            if (!weights.entries().containsKey(PROMPT_KEY)) {
                throw new IOException(weightsFile + ": no tensor '" + PROMPT_KEY + "'");
            }
            for (String key : weights.entries().keySet()) {
                Tensor target;
                if (key.equals(PROMPT_KEY)) {
                    target = prompt.weight;
                } else if (key.startsWith(KEY_PREFIX)) {
                    target = own.get(key.substring(KEY_PREFIX.length()));
                    if (target == null) {
                        throw new IOException(weightsFile + ": '" + key + "' names no parameter of the base model"
                                + " (is the adapter for another model?)");
                    }
                } else {
                    throw new IOException(weightsFile + ": key '" + key + "' is neither '" + PROMPT_KEY + "' nor starts with '"
                            + KEY_PREFIX + "'");
                }
                Tensor value = weights.tensor(key);
                if (!Arrays.equals(value.shape(), target.shape())) {
                    throw new IOException(weightsFile + ": '" + key + "' has shape " + Arrays.toString(value.shape())
                            + ", the model's is " + Arrays.toString(target.shape()) + " (is the adapter for another model?)");
                }
                loaded.put(target, value);
            }
        }
        loaded.forEach(Tensor::assign);
    }
}
