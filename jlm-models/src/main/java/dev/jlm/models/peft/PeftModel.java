package dev.jlm.models.peft;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.JsonFiles;
import dev.jlm.tensor.nn.Module;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model changed in place by one PEFT method (PEFT's {@code PeftModel}): what a trainer saves and resumes, whatever
 * the method. {@link #wrap} and {@link #load} choose the method by the config's type and the folder's
 * {@code peft_type}.
 */
public sealed interface PeftModel permits LoraModel, PromptTuningModel {
    /** What {@code get_peft_model_state_dict} returns, under PEFT's keys; the tensors are the model's own. */
    Map<String, Tensor> adapterStateDict();

    long trainableParameters();

    /** PEFT's {@code print_trainable_parameters} line. */
    String trainableParametersSummary();

    /** What was added, for a person: "LoRA on 12 layers", "prompt tuning with 8 virtual tokens". */
    String description();

    /** Writes the adapter folder as PEFT's {@code save_pretrained} does, naming {@code baseModel} as its base. */
    void save(Path directory, String baseModel) throws IOException;

    /** Loads the tensors of the adapter folder {@code directory} into these adapters (a resumed run's checkpoint). */
    void loadWeights(Path directory) throws IOException;

    /**
     * Applies fresh adapters of {@code config} to {@code model}. A prompt-tuning TEXT init tokenizes its text with
     * the config's {@code tokenizer_name_or_path}, as PEFT does.
     */
    static PeftModel wrap(Module model, PeftConfig config, long seed) throws IOException {
        return switch (config) {
            case LoraConfig lora -> LoraModel.wrap(model, lora, seed);
            case PromptTuningConfig prompt -> PromptTuningModel.wrap(model, prompt, prompt.init() == PromptTuningConfig.Init.TEXT
                    ? Tokenizers.load(prompt.tokenizerNameOrPath()).encode(prompt.initText()).ids() : null, seed);
        };
    }

    /** Applies the adapter folder {@code directory} to {@code model}: LoRA or prompt tuning, as its config says. */
    static PeftModel load(Module model, Path directory) throws IOException {
        Path configFile = directory.resolve(LoraConfig.FILE_NAME);
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(directory + ": no " + LoraConfig.FILE_NAME + " (not a PEFT adapter folder)");
        }
        String type = JsonFiles.read(configFile).path("peft_type").asText();
        return switch (type) {
            case "LORA" -> LoraModel.load(model, directory);
            case "PROMPT_TUNING" -> PromptTuningModel.load(model, directory);
            default -> throw new IOException(configFile + ": peft_type is " + (type.isEmpty() ? "missing" : type)
                    + ", jlm reads LORA and PROMPT_TUNING adapters");
        };
    }
}
