package dev.jlm.models.quant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.models.PretrainedCheckpoint;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
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
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a weight-quantized copy of a GPT-2 or BERT model directory: every Linear / Conv1D weight and embedding table
 * as int8 (symmetric, one F32 scale per output channel — per vector for a table, which is also the output channel of
 * a tied LM head — stored as {@code …weight_scale}) or as BF16 / F16, in the checkpoint's own orientation; norms and
 * biases stay F32. config.json gains a {@code quantization_config} naming the type; the
 * tokenizer and other top-level files are copied.
 */
public final class Quantizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Sizes of the weights file before and after. */
    public record Result(Path out, Format format, long originalBytes, long quantizedBytes, int quantizedTensors) {
    }

    private Quantizer() {
    }

    public static Result quantize(Path model, Format format, Path out) throws IOException {
        Path configFile = PretrainedCheckpoint.configFile(model);
        if (PretrainedCheckpoint.quantization(configFile) != null) {
            throw new IOException(configFile + ": the model is already quantized");
        }
        if (model.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
            throw new IOException(out + ": --out must differ from --model");
        }
        ObjectNode config = (ObjectNode) JsonFiles.read(configFile);
        String modelType = config.path("model_type").asText("");
        Module skeleton;
        String basePrefix;
        switch (modelType) {
            case "gpt2" -> {
                skeleton = new Gpt(GptConfig.read(configFile), 0);
                basePrefix = "transformer.";
            }
            case "bert" -> {
                skeleton = new Bert(BertConfig.read(configFile), true, 0);
                basePrefix = "bert.";
            }
            default -> throw new IOException(configFile + ": model_type '" + modelType + "' cannot be quantized (gpt2 or bert)");
        }
        Files.createDirectories(out);
        int quantized = 0;
        try (PretrainedCheckpoint checkpoint = PretrainedCheckpoint.open(model)) {
            Map<String, QuantizableLayer> layers = new HashMap<>();
            for (var entry : skeleton.namedModules().entrySet()) {
                if (entry.getValue() instanceof QuantizableLayer layer) {
                    String stored = checkpoint.storedName(entry.getKey() + ".weight", basePrefix);
                    if (stored != null) {
                        layers.put(stored, layer);
                    }
                }
            }
            SafeTensors.Writer writer = SafeTensors.writer().metadata("format", "pt");
            for (String name : checkpoint.names()) {
                QuantizableLayer layer = layers.get(name);
                DType stored = checkpoint.dtype(name);
                if (layer != null) {
                    add(writer, name, checkpoint.tensor(name), layer.storesInOut(), format);
                    quantized++;
                } else if (stored.isInteger()) {
                    writer.addRaw(name, stored, checkpoint.entryShape(name), checkpoint.bytes(name));
                } else {
                    writer.add(name, checkpoint.tensor(name));
                }
            }
            writer.write(out.resolve("model.safetensors"));
            ObjectNode quantization = config.putObject(PretrainedCheckpoint.QUANTIZATION_CONFIG);
            quantization.put("quant_method", "jlm");
            quantization.put("dtype", PretrainedCheckpoint.dtypeName(format));
            if (format == Format.INT8) {
                quantization.put("scheme", "symmetric per output channel, scale = max|w| / 127");
                quantization.put("scale_suffix", PretrainedCheckpoint.SCALE_SUFFIX);
            }
            Path temp = out.resolve("config.json.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), config);
            Files.move(temp, out.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            copyOtherFiles(model, out);
            return new Result(out, format, Files.size(checkpoint.weightsFile()), Files.size(out.resolve("model.safetensors")), quantized);
        }
    }

    /** Quantizes every Linear / Conv1D weight of {@code model} in memory (for inference); returns how many. */
    public static int quantizeLayers(Module model, Format format) {
        int count = 0;
        for (Module module : model.namedModules().values()) {
            if (module instanceof QuantizableLayer layer && layer.quantized() == null) {
                layer.useQuantized(QuantizedWeight.quantize(layer.weightOutIn(), format));
                count++;
            }
        }
        return count;
    }

    /** One layer's weight, stored [out, in] or (Conv1D) [in, out], in {@code format}. */
    private static void add(SafeTensors.Writer writer, String name, Tensor stored, boolean inOut, Format format) {
        int[] shape = stored.shape();
        QuantizedWeight weight = QuantizedWeight.quantize(inOut ? stored.transpose(0, 1) : stored, format);
        int out = weight.rows();
        int in = weight.cols();
        if (format == Format.INT8) {
            byte[] values = inOut ? QuantizedWeight.transpose(weight.int8Values(), out, in) : weight.int8Values();
            writer.addRaw(name, DType.I8, shape, values);
            writer.add(name + PretrainedCheckpoint.SCALE_SUFFIX, Tensor.of(weight.scales(), out));
            return;
        }
        short[] bits = inOut ? QuantizedWeight.transpose(weight.halfBits(), out, in) : weight.halfBits();
        ByteBuffer bytes = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(bits);
        writer.addRaw(name, format == Format.BF16 ? DType.BF16 : DType.F16, shape, bytes.array());
    }

    /** The folder's other files (tokenizer, pooling settings); not weights, not subfolders (a training run's state). */
    private static void copyOtherFiles(Path model, Path out) throws IOException {
        List<String> weights = List.of(".safetensors", ".bin", ".h5", ".msgpack", ".onnx", ".ot", ".tmp");
        try (Stream<Path> files = Files.list(model)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (!name.equals("config.json") && weights.stream().noneMatch(name::endsWith)) {
                    Files.copy(file, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
