package dev.jlm.cli;

import dev.jlm.models.PretrainedCheckpoint;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.quant.Quantizer;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jlm quantize}: a weight-quantized copy of a GPT-2 or BERT model directory, for inference. */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a copy of a model with int8 (per-channel scales), bf16 or fp16 Linear/Conv1D weights.")
public final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model directory or offline model name.")
    String model;
    @Option(names = "--dtype", required = true, description = "int8, bf16 or fp16.")
    String dtype;
    @Option(names = "--out", required = true, description = "Directory to write (config.json, model.safetensors, tokenizer).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Format format = PretrainedCheckpoint.quantizedDtype(dtype);
        if (format == null) {
            throw new IllegalArgumentException("--dtype '" + dtype + "' is not one of int8, bf16, fp16");
        }
        Quantizer.Result result = Quantizer.quantize(PretrainedModels.resolve(model), format, out);
        System.out.printf("wrote %s: %d weights as %s, model.safetensors %,d → %,d bytes (%.2f×)%n", result.out(),
                result.quantizedTensors(), dtype, result.originalBytes(), result.quantizedBytes(),
                (double) result.quantizedBytes() / result.originalBytes());
        return 0;
    }
}
