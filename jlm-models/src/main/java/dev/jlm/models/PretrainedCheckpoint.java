package dev.jlm.models;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face model directory — {@code config.json} beside {@code model.safetensors} (or PyTorch's
 * {@code pytorch_model.bin}) — read into and written from a {@link Module} whose parameter names are the checkpoint's.
 * It is the one {@code fromPretrained} / {@code savePretrained} path of every model class, as HF's
 * {@code PreTrainedModel} is: a model supplies its config and its base-model prefix, nothing else.
 */
public final class PretrainedCheckpoint implements AutoCloseable {
    /** Writes a model's config file (its class knows the keys). */
    @FunctionalInterface
    public interface ConfigWriter {
        void write(Path file) throws IOException;
    }

    private final Path configFile;
    private final Path weightsFile;
    private final SafeTensors safetensors;
    private final Map<String, Tensor> torchTensors;

    private PretrainedCheckpoint(Path configFile, Path weightsFile, SafeTensors safetensors, Map<String, Tensor> torchTensors) {
        this.configFile = configFile;
        this.weightsFile = weightsFile;
        this.safetensors = safetensors;
        this.torchTensors = torchTensors;
    }

    /**
     * {@code directory}'s {@code config.json}, which must exist. Models read it before {@link #open}ing the weights, so
     * a directory of another kind of model is reported by its config, not by its weights.
     */
    public static Path configFile(Path directory) throws IOException {
        Path configFile = directory.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(directory + ": no config.json (not a Hugging Face model directory)");
        }
        return configFile;
    }

    /** Opens {@code directory}'s weights (safetensors mapped, read tensor by tensor as loading asks). */
    public static PretrainedCheckpoint open(Path directory) throws IOException {
        Path configFile = configFile(directory);
        Path weightsFile = directory.resolve("model.safetensors");
        if (Files.isRegularFile(weightsFile)) {
            return new PretrainedCheckpoint(configFile, weightsFile, SafeTensors.open(weightsFile), null);
        }
        Path torchFile = directory.resolve("pytorch_model.bin");
        if (Files.isRegularFile(torchFile)) {
            return new PretrainedCheckpoint(configFile, torchFile, null, TorchCheckpoint.read(torchFile));
        }
        throw new IOException(directory + ": no model.safetensors or pytorch_model.bin");
    }

    public Path configFile() {
        return configFile;
    }

    /** {@code model.safetensors} or {@code pytorch_model.bin}, whichever was read. */
    public Path weightsFile() {
        return weightsFile;
    }

    public boolean contains(String name) {
        return safetensors != null ? safetensors.contains(name) : torchTensors.containsKey(name);
    }

    /** A stored tensor as float32; an error names the file and tensor when it is absent. */
    public Tensor tensor(String name) throws IOException {
        if (safetensors != null) {
            return safetensors.tensor(name);
        }
        Tensor tensor = torchTensors.get(name);
        if (tensor == null) {
            throw new IOException(weightsFile + ": no tensor '" + name + "'");
        }
        return tensor;
    }

    /**
     * The name {@code parameter} of a model has in this checkpoint, or null: the same name, or — as HF's
     * {@code base_model_prefix} rule — without {@code basePrefix} (a task model's encoder stored bare) or with it (a
     * bare encoder read out of a task model's checkpoint).
     */
    public String storedName(String parameter, String basePrefix) {
        if (contains(parameter)) {
            return parameter;
        }
        if (parameter.startsWith(basePrefix) && contains(parameter.substring(basePrefix.length()))) {
            return parameter.substring(basePrefix.length());
        }
        return contains(basePrefix + parameter) ? basePrefix + parameter : null;
    }

    /** The stored tensors of {@code model}'s parameters, by the model's names; parameters not stored are absent. */
    public Map<String, Tensor> stateFor(Module model, String basePrefix) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : model.namedParameters().keySet()) {
            String stored = storedName(name, basePrefix);
            if (stored != null) {
                state.put(name, tensor(stored));
            }
        }
        return state;
    }

    /**
     * Fills {@code model}'s parameters from this checkpoint. Stored tensors the model has no parameter for (a tied
     * decoder's copy, {@code position_ids} buffers) are ignored, as HF ignores them; a missing or misshapen one is an
     * error naming the file.
     */
    public <M extends Module> M load(M model, String basePrefix) throws IOException {
        return load(model, stateFor(model, basePrefix));
    }

    /** Copies {@code state} (by the model's names) into {@code model}; errors name the weights file. */
    public <M extends Module> M load(M model, Map<String, Tensor> state) throws IOException {
        try {
            model.loadStateDict(state, false);
        } catch (IllegalArgumentException e) {
            throw new IOException(weightsFile + ": " + e.getMessage());
        }
        return model;
    }

    /**
     * Writes {@code tensors} as {@code model.safetensors} and the config through {@code config} into {@code directory}
     * (created if needed); each file is written to a temporary file first, then renamed over the old one.
     */
    public static void save(Path directory, Map<String, Tensor> tensors, ConfigWriter config) throws IOException {
        Files.createDirectories(directory);
        SafeTensors.write(directory.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        config.write(directory.resolve("config.json"));
    }

    @Override
    public void close() {
        if (safetensors != null) {
            safetensors.close();
        }
    }
}
