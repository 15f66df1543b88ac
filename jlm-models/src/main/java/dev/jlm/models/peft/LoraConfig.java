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
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's {@code LoraConfig}, field for field as {@code adapter_config.json} has them. Target modules are either
 * names matched against the end of a layer's dotted name ({@code query} matches {@code ….attention.self.query}) or one
 * regular expression the whole name must match, as PEFT reads a list and a string.
 */
public final class LoraConfig implements PeftConfig {
    /** Which biases train beside the adapters (PEFT's {@code bias}). */
    public enum Bias {
        /** None: only the adapters (and modules_to_save) train. */
        NONE("none"),
        /** Every bias of the model. */
        ALL("all"),
        /** The biases of the adapted layers. */
        LORA_ONLY("lora_only");

        public final String peftName;

        Bias(String peftName) {
            this.peftName = peftName;
        }

        /** The bias mode PEFT names {@code name}; an unknown name is an error listing the three. */
        public static Bias parse(String name) {
            for (Bias bias : values()) {
                if (bias.peftName.equals(name)) {
                    return bias;
                }
            }
            throw new IllegalArgumentException("bias '" + name + "' is not one of none, all, lora_only");
        }
    }

    public static final String FILE_NAME = "adapter_config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final int r;
    private final float loraAlpha;
    private final float loraDropout;
    private final List<String> targetModules;
    private final String targetRegex;
    private final Bias bias;
    private final boolean fanInFanOut;
    private final List<String> modulesToSave;
    private final boolean useRslora;
    private final String taskType;
    private final String baseModelNameOrPath;
    private final boolean inferenceMode;

    private LoraConfig(Builder b) {
        this.r = b.r;
        this.loraAlpha = b.loraAlpha;
        this.loraDropout = b.loraDropout;
        this.targetModules = List.copyOf(b.targetModules);
        this.targetRegex = b.targetRegex;
        this.bias = b.bias;
        this.fanInFanOut = b.fanInFanOut;
        this.modulesToSave = List.copyOf(b.modulesToSave);
        this.useRslora = b.useRslora;
        this.taskType = b.taskType;
        this.baseModelNameOrPath = b.baseModelNameOrPath;
        this.inferenceMode = b.inferenceMode;
    }

    public int r() {
        return r;
    }

    public float loraAlpha() {
        return loraAlpha;
    }

    public float loraDropout() {
        return loraDropout;
    }

    /** Module-name suffixes to adapt; empty when {@link #targetRegex} chooses them. */
    public List<String> targetModules() {
        return targetModules;
    }

    /** A regular expression a whole module name must match, or null when {@link #targetModules} chooses. */
    public String targetRegex() {
        return targetRegex;
    }

    public Bias bias() {
        return bias;
    }

    /** Whether the adapted layers store their weight [in, out] (GPT-2's Conv1D), which merging must transpose for. */
    public boolean fanInFanOut() {
        return fanInFanOut;
    }

    /** Modules trained and saved whole beside the adapters (a classification head). */
    public List<String> modulesToSave() {
        return modulesToSave;
    }

    public boolean useRslora() {
        return useRslora;
    }

    /** PEFT's task type ({@code SEQ_CLS}, {@code CAUSAL_LM}, {@code FEATURE_EXTRACTION}…), or null. */
    @Override
    public String taskType() {
        return taskType;
    }

    public String baseModelNameOrPath() {
        return baseModelNameOrPath;
    }

    public boolean inferenceMode() {
        return inferenceMode;
    }

    /** The adapter's factor on B·A: alpha / r, or alpha / √r with rsLoRA. */
    public float scaling() {
        return (float) (useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r);
    }

    /** Whether the module named {@code name} is a target: PEFT's exact-or-suffix rule, or a full regex match. */
    public boolean targets(String name) {
        if (targetRegex != null) {
            return Pattern.compile(targetRegex).matcher(name).matches();
        }
        return targetModules.stream().anyMatch(target -> matchesSuffix(name, target));
    }

    /** Whether the module named {@code name} is one of modules_to_save (exact name or a suffix after a dot). */
    public boolean saves(String name) {
        return modulesToSave.stream().anyMatch(target -> matchesSuffix(name, target));
    }

    static boolean matchesSuffix(String name, String target) {
        return name.equals(target) || name.endsWith("." + target);
    }

    /** A copy with {@code base_model_name_or_path} and {@code inference_mode} as given (what saving records). */
    public LoraConfig describing(String baseModel, boolean inference) {
        Builder b = toBuilder();
        b.baseModelNameOrPath = baseModel;
        b.inferenceMode = inference;
        return b.build();
    }

    private Builder toBuilder() {
        Builder b = builder().r(r).loraAlpha(loraAlpha).loraDropout(loraDropout).bias(bias).fanInFanOut(fanInFanOut)
                .modulesToSave(modulesToSave).useRslora(useRslora).taskType(taskType);
        b.targetModules = targetModules;
        b.targetRegex = targetRegex;
        b.baseModelNameOrPath = baseModelNameOrPath;
        b.inferenceMode = inferenceMode;
        return b;
    }

    /** Writes {@code adapter_config.json} with PEFT's field names, keys in sorted order as PEFT writes them. */
    public void write(Path file) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.putObject("alpha_pattern");
        node.putNull("auto_mapping");
        node.put("base_model_name_or_path", baseModelNameOrPath);
        node.put("bias", bias.peftName);
        node.put("fan_in_fan_out", fanInFanOut);
        node.put("inference_mode", inferenceMode);
        node.put("init_lora_weights", true);
        node.putNull("layers_pattern");
        node.putNull("layers_to_transform");
        if (loraAlpha == Math.rint(loraAlpha)) {
            node.put("lora_alpha", (long) loraAlpha);
        } else {
            node.put("lora_alpha", loraAlpha);
        }
        node.put("lora_dropout", loraDropout);
        if (modulesToSave.isEmpty()) {
            node.putNull("modules_to_save");
        } else {
            modulesToSave.forEach(node.putArray("modules_to_save")::add);
        }
        node.put("peft_type", "LORA");
        node.put("r", r);
        node.putObject("rank_pattern");
        node.putNull("revision");
        if (targetRegex != null) {
            node.put("target_modules", targetRegex);
        } else {
            targetModules.forEach(node.putArray("target_modules")::add);
        }
        node.put("task_type", taskType);
        node.put("use_dora", false);
        node.put("use_rslora", useRslora);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, JSON.writeValueAsBytes(node));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads an {@code adapter_config.json} PEFT or jlm wrote. Fields jlm does not implement (DoRA, a bias on B, rank
     * or alpha patterns, chosen or excluded layers, trainable tokens) are an error when set rather than ignored.
     */
    public static LoraConfig read(Path file) throws IOException {
        JsonNode node = JsonFiles.read(file);
        String type = text(node, "peft_type");
        if (!"LORA".equals(type)) {
            throw new IOException(file + ": peft_type is " + type + ", jlm reads LORA adapters");
        }
        for (String unsupported : List.of("use_dora", "lora_bias", "layers_to_transform", "layers_pattern",
                "rank_pattern", "alpha_pattern", "exclude_modules", "layer_replication", "trainable_token_indices",
                "target_parameters")) {
            JsonNode value = node.get(unsupported);
            boolean unset = value == null || value.isNull() || value.isBoolean() && !value.asBoolean()
                    || value.isContainerNode() && value.isEmpty();
            if (!unset) {
                throw new IOException(file + ": '" + unsupported + "' is set; jlm's LoRA does not support it");
            }
        }
        JsonNode init = node.get("init_lora_weights");
        if (init != null && !init.isNull() && !init.isBoolean()) {
            throw new IOException(file + ": init_lora_weights '" + init.asText() + "' is not supported (true or false)");
        }
        try {
            Builder b = builder()
                    .r(JsonFiles.requiredInt(node, "r", file))
                    .loraAlpha(number(node, "lora_alpha", file))
                    .loraDropout(node.has("lora_dropout") ? number(node, "lora_dropout", file) : 0f)
                    .bias(Bias.parse(node.has("bias") ? text(node, "bias") : "none"))
                    .fanInFanOut(node.path("fan_in_fan_out").asBoolean(false))
                    .modulesToSave(strings(node.get("modules_to_save")))
                    .useRslora(node.path("use_rslora").asBoolean(false))
                    .taskType(text(node, "task_type"));
            JsonNode targets = node.get("target_modules");
            if (targets == null || targets.isNull()) {
                throw new IOException(file + ": no target_modules");
            } else if (targets.isTextual()) {
                b.targetRegex(targets.asText());
            } else {
                b.targetModules(strings(targets));
            }
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

    private static float number(JsonNode node, String key, Path file) throws IOException {
        JsonNode value = node.get(key);
        if (value == null || !value.isNumber()) {
            throw new IOException(file + ": missing or non-numeric '" + key + "'");
        }
        return value.floatValue();
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

    /** PEFT's defaults: r 8, alpha 8, no dropout, bias none; targets must be given. */
    public static final class Builder {
        private int r = 8;
        private float loraAlpha = 8;
        private float loraDropout = 0f;
        private List<String> targetModules = List.of();
        private String targetRegex;
        private Bias bias = Bias.NONE;
        private boolean fanInFanOut;
        private List<String> modulesToSave = List.of();
        private boolean useRslora;
        private String taskType;
        private String baseModelNameOrPath;
        private boolean inferenceMode;

        private Builder() {
        }

        public Builder r(int r) {
            this.r = r;
            return this;
        }

        public Builder loraAlpha(float alpha) {
            this.loraAlpha = alpha;
            return this;
        }

        public Builder loraDropout(float p) {
            this.loraDropout = p;
            return this;
        }

        /** Adapts modules whose name is one of {@code names} or ends in "." + one of them. */
        public Builder targetModules(List<String> names) {
            this.targetModules = List.copyOf(names);
            this.targetRegex = null;
            return this;
        }

        /** Adapts modules whose whole name matches {@code regex}. */
        public Builder targetRegex(String regex) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("target_modules '" + regex + "' is not a valid regular expression");
            }
            this.targetRegex = regex;
            this.targetModules = List.of();
            return this;
        }

        /**
         * The command-line form: a comma list of names ({@code query,value}) or, when it has a regex character, one
         * regular expression ({@code .*\.(query|value)}).
         */
        public Builder target(String spec) {
            if (spec.chars().anyMatch(c -> "\\^$*+?()[]{}|".indexOf(c) >= 0)) {
                return targetRegex(spec);
            }
            return targetModules(List.of(spec.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
        }

        public Builder bias(Bias bias) {
            this.bias = bias;
            return this;
        }

        public Builder fanInFanOut(boolean on) {
            this.fanInFanOut = on;
            return this;
        }

        public Builder modulesToSave(List<String> names) {
            this.modulesToSave = List.copyOf(names);
            return this;
        }

        public Builder useRslora(boolean on) {
            this.useRslora = on;
            return this;
        }

        public Builder taskType(String type) {
            this.taskType = type == null ? null : type.toUpperCase(Locale.ROOT);
            return this;
        }

        public LoraConfig build() {
            if (r < 1) {
                throw new IllegalArgumentException("r must be at least 1, got " + r);
            }
            if (!(loraDropout >= 0f && loraDropout < 1f)) {
                throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
            }
            if (targetModules.isEmpty() && targetRegex == null) {
                throw new IllegalArgumentException("no target modules given");
            }
            return new LoraConfig(this);
        }
    }
}
