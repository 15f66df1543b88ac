package dev.jlm.cli;

import dev.jlm.models.peft.LoraConfig;
import picocli.CommandLine.Option;

import java.util.List;

/** The parameter-efficient fine-tuning flags every training command shares (PEFT's LoraConfig fields). */
public final class PeftOptions {
    /** The fine-tuning methods {@code --peft} names. */
    public enum Method {
        lora
    }

    private static final LoraConfig DEFAULTS = LoraConfig.builder().target("query").build();

    @Option(names = "--peft", description = "Train adapters instead of the whole model: ${COMPLETION-CANDIDATES}; the output "
            + "folder then holds a PEFT adapter folder (adapter_config.json, adapter_model.safetensors).")
    Method method;
    @Option(names = "--lora-r", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int r = DEFAULTS.r();
    @Option(names = "--lora-alpha", description = "LoRA alpha; the update is scaled by alpha/r (default: ${DEFAULT-VALUE}).")
    float alpha = DEFAULTS.loraAlpha();
    @Option(names = "--lora-dropout", description = "Dropout on the adapters' input (default: ${DEFAULT-VALUE}).")
    float dropout = DEFAULTS.loraDropout();
    @Option(names = "--lora-target", description = "Layers to adapt: a comma list of name suffixes or one regular expression "
            + "over whole module names (default: the command's own).")
    String target;
    @Option(names = "--use-rslora", description = "Scale the update by alpha/√r (rank-stabilized LoRA).")
    boolean useRslora;
    @Option(names = "--lora-bias", description = "Biases that train too: none, all or lora_only (default: ${DEFAULT-VALUE}).")
    String bias = DEFAULTS.bias().peftName;

    /** Whether {@code --peft} asks for adapters. */
    public boolean enabled() {
        return method != null;
    }

    /**
     * The LoRA config these flags describe, targeting {@code defaultTarget} unless {@code --lora-target} is given, or
     * null without {@code --peft}.
     */
    public LoraConfig loraConfig(String defaultTarget, List<String> modulesToSave, String taskType, boolean fanInFanOut) {
        if (method == null) {
            return null;
        }
        try {
            return LoraConfig.builder().r(r).loraAlpha(alpha).loraDropout(dropout)
                    .target(target != null ? target : defaultTarget).useRslora(useRslora).bias(LoraConfig.Bias.parse(bias))
                    .modulesToSave(modulesToSave).taskType(taskType).fanInFanOut(fanInFanOut).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--peft lora: " + e.getMessage());
        }
    }
}
