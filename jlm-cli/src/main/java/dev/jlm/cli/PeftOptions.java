package dev.jlm.cli;

import dev.jlm.models.peft.LoraConfig;
import dev.jlm.models.peft.PeftConfig;
import dev.jlm.models.peft.PromptTuningConfig;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The parameter-efficient fine-tuning flags every training command shares (PEFT's LoraConfig and PromptTuningConfig fields). */
public final class PeftOptions {
    /** The fine-tuning methods {@code --peft} names. */
    public enum Method {
        LORA("lora"),
        PROMPT_TUNING("prompt-tuning");

        final String flag;

        Method(String flag) {
            this.flag = flag;
        }

        @Override
        public String toString() {
            return flag;
        }
    }

    /** Reads {@code --peft}'s value by the method's flag name. */
    static final class MethodConverter implements ITypeConverter<Method> {
        @Override
        public Method convert(String value) {
            return Arrays.stream(Method.values()).filter(m -> m.flag.equals(value)).findFirst()
                    .orElseThrow(() -> new TypeConversionException("'" + value + "' is not one of lora, prompt-tuning"));
        }
    }

    private static final LoraConfig DEFAULTS = LoraConfig.builder().target("query").build();

    @Option(names = "--peft", converter = MethodConverter.class, description = "Train adapters instead of the whole model: "
            + "lora or prompt-tuning; the output folder then holds a PEFT adapter folder (adapter_config.json, "
            + "adapter_model.safetensors).")
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
    @Option(names = "--num-virtual-tokens", description = "Prompt tuning: trainable embeddings fed before every input (default: ${DEFAULT-VALUE}).")
    int numVirtualTokens = 8;
    @Option(names = "--prompt-tuning-init", description = "Prompt tuning: start from random vectors or from the embeddings of "
            + "--prompt-tuning-init-text's tokens: random or text (default: ${DEFAULT-VALUE}).")
    String promptTuningInit = "random";
    @Option(names = "--prompt-tuning-init-text", description = "Prompt tuning: the text whose tokens start the prompt "
            + "(repeated or cut to --num-virtual-tokens), with --prompt-tuning-init text.")
    String promptTuningInitText;

    /** Whether {@code --peft} asks for adapters. */
    public boolean enabled() {
        return method != null;
    }

    /**
     * The PEFT config these flags describe, or null without {@code --peft}: for LoRA targeting {@code defaultTarget}
     * unless {@code --lora-target} is given; for prompt tuning with its text tokenized by {@code tokenizer}.
     */
    public PeftConfig peftConfig(String defaultTarget, List<String> modulesToSave, String taskType, boolean fanInFanOut,
                                 String tokenizer) {
        if (method == null) {
            return null;
        }
        try {
            return switch (method) {
                case LORA -> LoraConfig.builder().r(r).loraAlpha(alpha).loraDropout(dropout)
                        .target(target != null ? target : defaultTarget).useRslora(useRslora).bias(LoraConfig.Bias.parse(bias))
                        .modulesToSave(modulesToSave).taskType(taskType).fanInFanOut(fanInFanOut).build();
                case PROMPT_TUNING -> {
                    if (!List.of("random", "text").contains(promptTuningInit)) {
                        throw new IllegalArgumentException("--prompt-tuning-init '" + promptTuningInit + "' is not one of random, text");
                    }
                    if (promptTuningInitText != null && promptTuningInit.equals("random")) {
                        throw new IllegalArgumentException("--prompt-tuning-init-text needs --prompt-tuning-init text");
                    }
                    yield PromptTuningConfig.builder().numVirtualTokens(numVirtualTokens)
                            .init(PromptTuningConfig.Init.parse(promptTuningInit.toUpperCase(Locale.ROOT)))
                            .initText(promptTuningInitText).tokenizerNameOrPath(tokenizer)
                            .modulesToSave(modulesToSave).taskType(taskType).build();
                }
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--peft " + method + ": " + e.getMessage());
        }
    }
}
