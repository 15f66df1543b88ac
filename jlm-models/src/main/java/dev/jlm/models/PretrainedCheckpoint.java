package dev.jlm.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.DType;
import dev.jlm.tensor.io.JsonFiles;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.nn.QuantizableLayer;
import dev.jlm.tensor.nn.QuantizedWeight;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A Hugging Face model directory — {@code config.json} beside {@code model.safetensors} (or PyTorch's
 * {@code pytorch_model.bin}) — read into and written from a {@link Module} whose parameter names are the checkpoint's.
 * It is the one {@code fromPretrained} / {@code savePretrained} path of every model class, as HF's
 * {@code PreTrainedModel} is: a model supplies its config and its base-model prefix, nothing else.
 *
 * <p>A checkpoint written by {@code jlm quantize} names its weight type in config.json's {@code quantization_config}
 * ({@code "dtype": "int8" | "bf16" | "fp16"}); its Linear / Conv1D weights are stored in that type (int8 beside an F32
 * {@code …weight_scale} of one scale per output channel) and load straight into the layers' quantized form.
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
    private final Format quantization;

    /** config.json's key naming a quantized checkpoint's weight type. */
    public static final String QUANTIZATION_CONFIG = "quantization_config";
    /** Suffix of an int8 weight's per-output-channel scales: {@code h.0.mlp.c_fc.weight_scale}. */
    public static final String SCALE_SUFFIX = "_scale";

    private PretrainedCheckpoint(Path configFile, Path weightsFile, SafeTensors safetensors, Map<String, Tensor> torchTensors,
                                 Format quantization) {
        this.configFile = configFile;
        this.weightsFile = weightsFile;
        this.safetensors = safetensors;
        this.torchTensors = torchTensors;
        this.quantization = quantization;
    }

    /** The weight type a {@code quantization_config} of {@code configFile} names, or null for a float checkpoint. */
    public static Format quantization(Path configFile) throws IOException {
        JsonNode config = JsonFiles.read(configFile).get(QUANTIZATION_CONFIG);
        if (config == null || config.isNull()) {
            return null;
        }
        String dtype = config.path("dtype").asText("");
        Format format = quantizedDtype(dtype);
        if (format == null) {
            throw new IOException(configFile + ": " + QUANTIZATION_CONFIG + ".dtype '" + dtype + "' is not one of int8, bf16, fp16");
        }
        return format;
    }

    /** The weight type {@code int8}, {@code bf16} or {@code fp16} names, or null for any other name. */
    public static Format quantizedDtype(String name) {
        for (Format format : Format.values()) {
            if (dtypeName(format).equals(name)) {
                return format;
            }
        }
        return null;
    }

    /** A weight type's name in {@code quantization_config} and on the command line. */
    public static String dtypeName(Format format) {
        return format.name().toLowerCase(Locale.ROOT);
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
        Format quantization = quantization(configFile);
        Path weightsFile = directory.resolve("model.safetensors");
        if (Files.isRegularFile(weightsFile)) {
            return new PretrainedCheckpoint(configFile, weightsFile, SafeTensors.open(weightsFile), null, quantization);
        }
        Path torchFile = directory.resolve("pytorch_model.bin");
        if (quantization != null) {
            throw new IOException(directory + ": a quantized checkpoint needs model.safetensors");
        }
        if (Files.isRegularFile(torchFile)) {
            return new PretrainedCheckpoint(configFile, torchFile, null, TorchCheckpoint.read(torchFile), null);
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

    /** The weight type of a quantized checkpoint, or null. */
    public Format quantization() {
        return quantization;
    }

    /** Every stored tensor's name, in file order. */
    public Iterable<String> names() {
        return safetensors != null ? safetensors.entries().keySet() : torchTensors.keySet();
    }

    /** The stored element type of tensor {@code name} (F32 for every tensor of a PyTorch file, read as float). */
    public DType dtype(String name) {
        return safetensors != null ? safetensors.entries().get(name).dtype() : DType.F32;
    }

    /** The stored shape of tensor {@code name}. */
    public int[] entryShape(String name) {
        return safetensors != null ? safetensors.entries().get(name).shape().clone() : torchTensors.get(name).shape();
    }

    /** A stored tensor's raw little-endian bytes (safetensors only). */
    public byte[] bytes(String name) throws IOException {
        return safetensors.bytes(name);
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

    /**
     * The stored tensors of {@code model}'s parameters, by the model's names; parameters not stored are absent. In a
     * quantized checkpoint the quantized layers of {@code model} first take their stored weights as they are.
     */
    public Map<String, Tensor> stateFor(Module model, String basePrefix) throws IOException {
        if (quantization != null) {
            useQuantizedWeights(model, basePrefix);
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String name : model.namedParameters().keySet()) {
            String stored = storedName(name, basePrefix);
            if (stored != null) {
                state.put(name, tensor(stored));
            }
        }
        return state;
    }

    private void useQuantizedWeights(Module model, String basePrefix) throws IOException {
        for (var entry : model.namedModules().entrySet()) {
            if (!(entry.getValue() instanceof QuantizableLayer layer) || layer.quantized() != null) {
                continue;
            }
            String name = (entry.getKey().isEmpty() ? "" : entry.getKey() + ".") + "weight";
            String stored = storedName(name, basePrefix);
            if (stored == null || !isQuantized(dtype(stored))) {
                continue;
            }
            int[] shape = entryShape(stored);
            int out = layer.storesInOut() ? shape[1] : shape[0];
            int in = layer.storesInOut() ? shape[0] : shape[1];
            byte[] raw = bytes(stored);
            QuantizedWeight weight;
            if (dtype(stored) == DType.I8) {
                String scaleName = stored + SCALE_SUFFIX;
                if (!contains(scaleName)) {
                    throw new IOException(weightsFile + ": quantized checkpoint has no '" + scaleName + "' for the int8 weight '" + stored + "'");
                }
                float[] scales = tensor(scaleName).toArray();
                if (scales.length != out) {
                    throw new IOException(weightsFile + ": '" + scaleName + "' holds " + scales.length + " scales, '" + stored
                            + "' has " + out + " output channels");
                }
                weight = QuantizedWeight.int8(out, in, layer.storesInOut() ? QuantizedWeight.transpose(raw, in, out) : raw, scales);
            } else {
                short[] bits = new short[raw.length / 2];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(bits);
                Format format = dtype(stored) == DType.BF16 ? Format.BF16 : Format.FP16;
                weight = QuantizedWeight.halves(format, out, in, layer.storesInOut() ? QuantizedWeight.transpose(bits, in, out) : bits);
            }
            try {
                layer.useQuantized(weight);
            } catch (IllegalArgumentException e) {
                throw new IOException(weightsFile + ": '" + stored + "': " + e.getMessage());
            }
        }
    }

    private boolean isQuantized(DType stored) {
        return switch (quantization) {
            case INT8 -> stored == DType.I8;
            case BF16 -> stored == DType.BF16;
            case FP16 -> stored == DType.F16;
        };
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
