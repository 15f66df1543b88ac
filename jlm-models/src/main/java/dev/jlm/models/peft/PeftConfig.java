package dev.jlm.models.peft;

/** The settings of one PEFT method, as its {@code adapter_config.json} holds them. */
public sealed interface PeftConfig permits LoraConfig, PromptTuningConfig {
    /** PEFT's task type ({@code SEQ_CLS}, {@code CAUSAL_LM}…), or null. */
    String taskType();
}
