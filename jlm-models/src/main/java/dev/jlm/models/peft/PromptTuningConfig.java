package dev.jlm.models.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PEFT's {@code PromptTuningConfig}, field for field as {@code adapter_config.json} has them: {@code num_virtual_tokens}
 * trainable embeddings before every input, started from random vectors or from a text's token embeddings. The model's
 * sizes ({@code token_dim}, {@code num_layers}, {@code num_attention_heads}) are filled in when the config is applied
 * to a model, as PEFT's {@code get_peft_model} fills them in.
 */
public final class PromptTuningConfig implements PeftConfig {
    /** How the prompt embeddings start (PEFT's {@code PromptTuningInit}). */
    public enum Init {
        /** Random vectors, N(0, 1) as {@code torch.nn.Embedding} draws them. */
        RANDOM,
        /** The word embeddings of {@code prompt_tuning_init_text}'s tokens, repeated or cut to the virtual tokens. */
        TEXT;

        /** The init PEFT names {@code name} (either case); an unknown name is an error listing both. */
        public static Init parse(String name) {
            for (Init init : values()) {
                if (init.name().equalsIgnoreCase(name)) {
                    return init;
                }
            }
            throw new IllegalArgumentException("prompt_tuning_init '" + name + "' is not one of RANDOM, TEXT");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final int numVirtualTokens;
    private final Init init;
    private final String initText;
    private final String tokenizerNameOrPath;
    private final List<String> modulesToSave;
    private final String taskType;
    private final int tokenDim;
    private final int numLayers;
    private final int numAttentionHeads;
    private final String baseModelNameOrPath;
    private final boolean inferenceMode;

    private PromptTuningConfig(Builder b) {
        this.numVirtualTokens = b.numVirtualTokens;
        this.init = b.init;
        this.initText = b.initText;
        this.tokenizerNameOrPath = b.tokenizerNameOrPath;
        this.modulesToSave = List.copyOf(b.modulesToSave);
        this.taskType = b.taskType;
        this.tokenDim = b.tokenDim;
        this.numLayers = b.numLayers;
        this.numAttentionHeads = b.numAttentionHeads;
        this.baseModelNameOrPath = b.baseModelNameOrPath;
        this.inferenceMode = b.inferenceMode;
    }

    public int numVirtualTokens() {
        return numVirtualTokens;
    }

    public Init init() {
        return init;
    }

    /** The text whose tokens start the prompt with {@link Init#TEXT}, else null. */
    public String initText() {
        return initText;
    }

    /** The tokenizer that tokenizes {@link #initText}. */
    public String tokenizerNameOrPath() {
        return tokenizerNameOrPath;
    }

    /** Modules trained and saved whole beside the prompt (a classification head). */
    public List<String> modulesToSave() {
        return modulesToSave;
    }

    @Override
    public String taskType() {
        return taskType;
    }

    /** The width of the model's word embeddings, or 0 before the config is applied to a model. */
    public int tokenDim() {
        return tokenDim;
    }

    public int numLayers() {
        return numLayers;
    }

    public int numAttentionHeads() {
        return numAttentionHeads;
    }

    public String baseModelNameOrPath() {
        return baseModelNameOrPath;
    }

    public boolean inferenceMode() {
        return inferenceMode;
    }

    /** A copy with the model's sizes filled in (what {@code get_peft_model} records). */
    PromptTuningConfig forModel(int tokenDim, int numLayers, int numAttentionHeads) {
        Builder b = toBuilder();
        b.tokenDim = tokenDim;
        b.numLayers = numLayers;
        b.numAttentionHeads = numAttentionHeads;
        return b.build();
    }

    /** A copy with {@code base_model_name_or_path} and {@code inference_mode} as given (what saving records). */
    PromptTuningConfig describing(String baseModel, boolean inference) {
        Builder b = toBuilder();
        b.baseModelNameOrPath = baseModel;
        b.inferenceMode = inference;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = builder().numVirtualTokens(numVirtualTokens).init(init).initText(initText)
                .tokenizerNameOrPath(tokenizerNameOrPath).modulesToSave(modulesToSave).taskType(taskType);
        b.tokenDim = tokenDim;
        b.numLayers = numLayers;
        b.numAttentionHeads = numAttentionHeads;
        b.baseModelNameOrPath = baseModelNameOrPath;
        b.inferenceMode = inferenceMode;
        return b;
    }

    /** Writes {@code adapter_config.json} with PEFT's field names, keys in sorted order as PEFT writes them. */
    public void write(Path file) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.putNull("auto_mapping");
        node.put("base_model_name_or_path", baseModelNameOrPath);
        node.put("inference_mode", inferenceMode);
        if (modulesToSave.isEmpty()) {
            node.putNull("modules_to_save");
        } else {
            modulesToSave.forEach(node.putArray("modules_to_save")::add);
        }
        node.put("num_attention_heads", numAttentionHeads);
        node.put("num_layers", numLayers);
        node.put("num_transformer_submodules", 1);
        node.put("num_virtual_tokens", numVirtualTokens);
        node.put("peft_type", "PROMPT_TUNING");
        node.put("prompt_tuning_init", init.name());
        node.put("prompt_tuning_init_text", initText);
        node.putNull("revision");
        node.put("task_type", taskType);
        node.put("token_dim", tokenDim);
        node.putNull("tokenizer_kwargs");
        node.put("tokenizer_name_or_path", tokenizerNameOrPath);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, JSON.writeValueAsBytes(node));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads an {@code adapter_config.json} PEFT or jlm wrote. Two transformer submodules (an encoder-decoder's prompt)
     * and an init jlm does not implement are errors rather than ignored.
     */
    public static PromptTuningConfig read(Path file) throws IOException {
        JsonNode node = JsonFiles.read(file);
        String type = text(node, "peft_type");
        if (!"PROMPT_TUNING".equals(type)) {
            throw new IOException(file + ": peft_type is " + type + ", not PROMPT_TUNING");
        }
        JsonNode submodules = node.get("num_transformer_submodules");
        if (submodules != null && !submodules.isNull() && submodules.asInt() != 1) {
            throw new IOException(file + ": num_transformer_submodules is " + submodules.asText()
                    + "; jlm's models are decoder- or encoder-only (1)");
        }
        try {
            Builder b = builder()
                    .numVirtualTokens(JsonFiles.requiredInt(node, "num_virtual_tokens", file))
                    .init(Init.parse(node.has("prompt_tuning_init") ? text(node, "prompt_tuning_init") : "RANDOM"))
                    .initText(text(node, "prompt_tuning_init_text"))
                    .tokenizerNameOrPath(text(node, "tokenizer_name_or_path"))
                    .modulesToSave(strings(node.get("modules_to_save")))
                    .taskType(text(node, "task_type"));
            b.tokenDim = JsonFiles.requiredInt(node, "token_dim", file);
            b.numLayers = node.path("num_layers").asInt(0);
            b.numAttentionHeads = node.path("num_attention_heads").asInt(0);
            b.baseModelNameOrPath = text(node, "base_model_name_or_path");
            b.inferenceMode = node.path("inference_mode").asBoolean(true);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && !array.isNull()) {
            array.forEach(item -> out.add(item.asText()));
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** PEFT's defaults: random init; the number of virtual tokens must be given. */
    public static final class Builder {
        private int numVirtualTokens;
        private Init init = Init.RANDOM;
        private String initText;
        private String tokenizerNameOrPath;
        private List<String> modulesToSave = List.of();
        private String taskType;
        private int tokenDim;
        private int numLayers;
        private int numAttentionHeads;
        private String baseModelNameOrPath;
        private boolean inferenceMode;

        private Builder() {
        }

        public Builder numVirtualTokens(int n) {
            this.numVirtualTokens = n;
            return this;
        }

        public Builder init(Init init) {
            this.init = init;
            return this;
        }

        public Builder initText(String text) {
            this.initText = text;
            return this;
        }

        public Builder tokenizerNameOrPath(String tokenizer) {
            this.tokenizerNameOrPath = tokenizer;
            return this;
        }

        public Builder modulesToSave(List<String> names) {
            this.modulesToSave = List.copyOf(names);
            return this;
        }

        public Builder taskType(String type) {
            this.taskType = type == null ? null : type.toUpperCase(Locale.ROOT);
            return this;
        }

        /** PEFT's checks: at least one virtual token, and a text and a tokenizer for a TEXT init. */
        public PromptTuningConfig build() {
            if (numVirtualTokens < 1) {
                throw new IllegalArgumentException("num_virtual_tokens must be at least 1, got " + numVirtualTokens);
            }
            if (init == Init.TEXT && (initText == null || initText.isEmpty())) {
                throw new IllegalArgumentException("prompt_tuning_init TEXT needs prompt_tuning_init_text");
            }
            if (init == Init.TEXT && tokenizerNameOrPath == null) {
                throw new IllegalArgumentException("prompt_tuning_init TEXT needs tokenizer_name_or_path");
            }
            return new PromptTuningConfig(this);
        }
    }
}
