package dev.jlm.models.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the planner knows of a model: its parameter count and, when known, its architecture (needed for activations
 * and LoRA). A count is exact when it comes from an architecture; a published size ("70B") otherwise.
 *
 * @param name         how the model was named (a known name, a config path, or the count itself)
 * @param parameters   N
 * @param architecture the shape, or null for a bare parameter count
 * @param exact        whether {@code parameters} is counted from the architecture rather than published
 */
public record ModelSpec(String name, long parameters, Architecture architecture, boolean exact) {

    private static final Map<String, ModelSpec> KNOWN = new LinkedHashMap<>();

    static {
        known("gpt2", Architecture.gpt2(50257, 1024, 12, 768, 12));
        known("gpt2-medium", Architecture.gpt2(50257, 1024, 24, 1024, 16));
        known("gpt2-large", Architecture.gpt2(50257, 1024, 36, 1280, 20));
        known("gpt2-xl", Architecture.gpt2(50257, 1024, 48, 1600, 25));
        known("bert-base-uncased", Architecture.bert(30522, 512, 12, 768, 3072, 12));
        known("bert-large-uncased", Architecture.bert(30522, 512, 24, 1024, 4096, 16));
        known("all-MiniLM-L6-v2", Architecture.bert(30522, 512, 6, 384, 1536, 12));
        known("llama-2-7b", Architecture.llama(32000, 4096, 32, 4096, 11008, 32, 32));
        known("llama-2-13b", Architecture.llama(32000, 4096, 40, 5120, 13824, 40, 40));
        known("llama-2-70b", Architecture.llama(32000, 4096, 80, 8192, 28672, 64, 8));
        // GPT-3 paper, Table 2.1: 96 layers, d_model 12288, 96 heads, 2048-token context, GPT-2's tokenizer and layout.
        known("gpt3-175b", Architecture.gpt2(50257, 2048, 96, 12288, 96));
        // Chinchilla paper, Table 4: 80 layers, d_model 8192, 64 heads; its published 70B is kept as the count because
        // the paper does not give every size its count depends on (relative position encodings, exact MLP width).
        KNOWN.put("chinchilla-70b", new ModelSpec("chinchilla-70b", 70_000_000_000L,
                Architecture.llama(32000, 2048, 80, 8192, 4 * 8192, 64, 64), false));
    }

    private static void known(String name, Architecture architecture) {
        KNOWN.put(name, new ModelSpec(name, architecture.parameters(), architecture, true));
    }

    /** The names {@link #of} knows, in a stable order. */
    public static Iterable<String> knownNames() {
        return KNOWN.keySet();
    }

    /**
     * A config.json path (or a folder holding one) when such a path exists, else a known name (case-insensitive; an
     * organisation prefix such as {@code google-bert/} is ignored).
     */
    public static ModelSpec of(String model) throws IOException {
        Path path = Path.of(model);
        if (Files.exists(path)) {
            Architecture architecture = Architecture.read(path);
            return new ModelSpec(model, architecture.parameters(), architecture, true);
        }
        String bare = model.substring(model.lastIndexOf('/') + 1);
        for (Map.Entry<String, ModelSpec> known : KNOWN.entrySet()) {
            if (known.getKey().equalsIgnoreCase(bare)) {
                return known.getValue();
            }
        }
        throw new IllegalArgumentException("--model '" + model + "' is neither a config.json path nor a known name ("
                + String.join(", ", KNOWN.keySet()) + ")");
    }

    /** A bare parameter count: memory of weights and states, FLOPs and scaling, but no activations or LoRA. */
    public static ModelSpec ofParameters(double parameters) {
        if (!(parameters >= 1) || parameters > Long.MAX_VALUE) {
            throw new IllegalArgumentException("--params " + parameters + " must be a positive parameter count");
        }
        long count = Math.round(parameters);
        return new ModelSpec(Long.toString(count), count, null, false);
    }
}
