package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.plan.ModelSpec;
import dev.jlm.models.plan.OptimizerKind;
import dev.jlm.models.plan.Precision;
import dev.jlm.models.plan.Scaling;
import dev.jlm.models.plan.TrainingPlan;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm plan}: memory per device, FLOPs, time and compute-optimal sizes of a training run, computed not measured. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Memory per device, training FLOPs and time, and Chinchilla-optimal sizes for a model and setup.")
public final class PlanCommand implements Callable<Integer> {
    @ArgGroup(multiplicity = "1")
    Subject subject;

    static final class Subject {
        @Option(names = "--model", description = "A config.json (or its folder), or a known name: gpt2, gpt2-medium, "
                + "gpt2-large, gpt2-xl, bert-base-uncased, bert-large-uncased, all-MiniLM-L6-v2, llama-2-7b, llama-2-13b, "
                + "llama-2-70b, gpt3-175b, chinchilla-70b.")
        String model;

        @Option(names = "--params", description = "A bare parameter count, e.g. 7.5e9 (no activations or LoRA).")
        Double parameters;

        @Option(names = "--flops", description = "A FLOP budget alone: its compute-optimal parameters and tokens.")
        Double flops;
    }

    @Option(names = "--dtype", description = "fp32, bf16, fp16 or mixed (16-bit weights and gradients, fp32 master "
            + "weights and optimizer states; default: ${DEFAULT-VALUE}).")
    Precision dtype = TrainingPlan.setup().precision();

    @Option(names = "--optimizer", description = "adamw, sgd (momentum) or adafactor (default: ${DEFAULT-VALUE}).")
    OptimizerKind optimizer = TrainingPlan.setup().optimizer();

    @Option(names = "--batch", description = "Micro-batch per device, in sequences (default: ${DEFAULT-VALUE}).")
    int batch = TrainingPlan.setup().batch();

    @Option(names = "--seq-len", description = "Sequence length (default: the model's context, 2048 for --params).")
    int sequenceLength = TrainingPlan.setup().sequenceLength();

    @Option(names = "--gpus", description = "Data-parallel devices (default: ${DEFAULT-VALUE}).")
    int gpus = TrainingPlan.setup().gpus();

    @Option(names = "--zero", description = "ZeRO stage 0 (DDP), 1, 2 or 3 (default: ${DEFAULT-VALUE}).")
    int zero = TrainingPlan.setup().zeroStage();

    @Option(names = "--fsdp", description = "FSDP full sharding: the same as --zero 3.")
    boolean fsdp;

    @Option(names = "--lora-rank", description = "Train LoRA adapters of this rank on the attention's query and value.")
    int loraRank = TrainingPlan.setup().loraRank();

    @Option(names = "--activation-checkpointing", description = "Keep only each layer's input; recompute the rest.")
    boolean activationCheckpointing;

    @Option(names = "--tokens", description = "Training tokens (default: Chinchilla's 20 per parameter).")
    double tokens = TrainingPlan.setup().tokens();

    @Option(names = "--gpu-flops", description = "Peak FLOP/s of one device (default: ${DEFAULT-VALUE}, an A100's bf16).")
    double gpuFlops = TrainingPlan.setup().gpuFlops();

    @Option(names = "--mfu", description = "Model FLOPs utilization (default: ${DEFAULT-VALUE}).")
    double mfu = TrainingPlan.setup().mfu();

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (fsdp && zero != 0 && zero != 3) {
            throw new IllegalArgumentException("--fsdp is full sharding (ZeRO stage 3), not --zero " + zero);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (subject.flops != null) {
            Scaling.ComputeOptimal optimal = Scaling.computeOptimal(subject.flops);
            out.put("flops", optimal.flops());
            out.put("compute_optimal_parameters", optimal.parameters());
            out.put("compute_optimal_tokens", optimal.tokens());
            out.put("petaflop_s_days", Scaling.petaflopSDays(optimal.flops()));
        } else {
            ModelSpec model = subject.model != null ? ModelSpec.of(subject.model) : ModelSpec.ofParameters(subject.parameters);
            TrainingPlan.Setup setup = TrainingPlan.setup().withPrecision(dtype).withOptimizer(optimizer).withBatch(batch)
                    .withSequenceLength(sequenceLength).withGpus(gpus).withZeroStage(fsdp ? 3 : zero).withLoraRank(loraRank)
                    .withActivationCheckpointing(activationCheckpointing).withTokens(tokens).withGpuFlops(gpuFlops)
                    .withMfu(mfu);
            out = describe(TrainingPlan.plan(model, setup));
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            print(out, "", false);
        }
        return 0;
    }

    private static Map<String, Object> describe(TrainingPlan.Plan plan) {
        TrainingPlan.Setup setup = plan.setup();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", plan.model().name());
        out.put("parameters", plan.model().parameters());
        out.put("parameters_exact", plan.model().exact());
        out.put("trainable_parameters", plan.trainableParameters());
        Map<String, Object> setupOut = new LinkedHashMap<>();
        setupOut.put("dtype", setup.precision().name().toLowerCase(Locale.ROOT));
        setupOut.put("optimizer", setup.optimizer().name().toLowerCase(Locale.ROOT));
        setupOut.put("batch", setup.batch());
        setupOut.put("seq_len", plan.sequenceLength());
        setupOut.put("gpus", setup.gpus());
        setupOut.put("zero", setup.zeroStage());
        setupOut.put("lora_rank", setup.loraRank());
        setupOut.put("activation_checkpointing", setup.activationCheckpointing());
        out.put("setup", setupOut);
        TrainingPlan.Memory memory = plan.memoryPerDevice();
        Map<String, Object> memoryOut = new LinkedHashMap<>();
        memoryOut.put("weights", memory.weights());
        memoryOut.put("gradients", memory.gradients());
        memoryOut.put("optimizer_states", memory.optimizerStates());
        memoryOut.put("activations", memory.activations());
        memoryOut.put("total", memory.total());
        out.put("memory_per_device_bytes", memoryOut);
        out.put("rule_of_thumb_bytes", plan.ruleOfThumbBytes());
        out.put("tokens", plan.tokens());
        out.put("flops", plan.flops());
        out.put("seconds", plan.seconds());
        out.put("petaflop_s_days", plan.petaflopSDays());
        out.put("chinchilla_tokens", plan.chinchillaTokens());
        return out;
    }

    /** The JSON object's fields one per line; byte counts (fields and groups named {@code …bytes}) in GB. */
    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> out, String indent, boolean bytes) {
        for (Map.Entry<String, Object> entry : out.entrySet()) {
            String key = entry.getKey();
            Object value = entry.getValue();
            if (value instanceof Map<?, ?> inner) {
                System.out.println(indent + key + ":");
                print((Map<String, Object>) inner, indent + "  ", key.endsWith("bytes"));
            } else {
                System.out.printf(Locale.ROOT, "%s%-26s %s%n", indent, key, readable(value, bytes || key.endsWith("bytes")));
            }
        }
    }

    private static String readable(Object value, boolean bytes) {
        if (value == null) {
            return "n/a (needs the architecture: --model)";
        }
        if (bytes) {
            return String.format(Locale.ROOT, "%.4g GB", ((Number) value).doubleValue() / 1e9);
        }
        if (value instanceof Double number) {
            return String.format(Locale.ROOT, "%.4g", number);
        }
        if (value instanceof Long number) {
            return String.format(Locale.ROOT, "%,d", number);
        }
        return value.toString();
    }
}
