package dev.jlm.models.plan;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.tensor.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a transformer, enough to count its parameters the way its Hugging Face implementation has them.
 *
 * @param family            which implementation's layout the count follows
 * @param vocabSize         token embedding rows
 * @param maxPositions      learned position embeddings (GPT-2, BERT) or the context length (Llama, rotary: no table)
 * @param layers            transformer blocks
 * @param hidden            model width h
 * @param intermediate      MLP width
 * @param heads             attention heads a
 * @param keyValueHeads     key/value heads (grouped-query attention; equal to {@code heads} otherwise)
 * @param tiedEmbeddings    whether the LM head reuses the token embedding
 */
public record Architecture(Family family, int vocabSize, int maxPositions, int layers, int hidden, int intermediate,
                           int heads, int keyValueHeads, boolean tiedEmbeddings) {

    /** Parameter layouts: GPT-2 ({@code GPT2LMHeadModel}), BERT ({@code BertModel} with pooler), Llama ({@code LlamaForCausalLM}). */
    public enum Family { GPT2, BERT, LLAMA }

    /** BERT's token-type embedding rows ({@code type_vocab_size}). */
    private static final int BERT_TOKEN_TYPES = 2;

    public Architecture {
        if (vocabSize <= 0 || maxPositions <= 0 || layers <= 0 || hidden <= 0 || intermediate <= 0 || heads <= 0
                || keyValueHeads <= 0) {
            throw new IllegalArgumentException("every size of an architecture must be positive");
        }
        if (hidden % heads != 0 || heads % keyValueHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " must be a multiple of " + heads
                    + " heads, and heads of " + keyValueHeads + " key/value heads");
        }
    }

    public static Architecture gpt2(int vocabSize, int positions, int layers, int hidden, int heads) {
        return new Architecture(Family.GPT2, vocabSize, positions, layers, hidden, 4 * hidden, heads, heads, true);
    }

    public static Architecture bert(int vocabSize, int positions, int layers, int hidden, int intermediate, int heads) {
        return new Architecture(Family.BERT, vocabSize, positions, layers, hidden, intermediate, heads, heads, false);
    }

    public static Architecture llama(int vocabSize, int context, int layers, int hidden, int intermediate, int heads,
                                     int keyValueHeads) {
        return new Architecture(Family.LLAMA, vocabSize, context, layers, hidden, intermediate, heads, keyValueHeads, false);
    }

    public int headSize() {
        return hidden / heads;
    }

    /** Width of the key (and of the value) projection's output: all key/value heads together. */
    public int keyValueWidth() {
        return keyValueHeads * headSize();
    }

    /**
     * Every parameter, counted as the Hugging Face model holds them: embeddings, attention, MLP, norms and biases.
     * GPT-2: Conv1D layers and LayerNorms all biased, LM head tied. BERT: word, position and token-type embeddings
     * with their LayerNorm, biased linear layers, the pooler. Llama: no biases, RMSNorm scales only, SwiGLU MLP
     * (gate, up, down), rotary positions (no table), an untied LM head unless {@code tie_word_embeddings}.
     */
    public long parameters() {
        long h = hidden;
        long inner = intermediate;
        long kv = keyValueWidth();
        return switch (family) {
            case GPT2 -> {
                long block = 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + 2 * h + (h * inner + inner) + (inner * h + h);
                yield (long) vocabSize * h + (long) maxPositions * h + layers * block + 2 * h;
            }
            case BERT -> {
                long embeddings = ((long) vocabSize + maxPositions + BERT_TOKEN_TYPES) * h + 2 * h;
                long block = 4 * (h * h + h) + 2 * h + (h * inner + inner) + (inner * h + h) + 2 * h;
                long pooler = h * h + h;
                yield embeddings + layers * block + pooler;
            }
            case LLAMA -> {
                long block = h * h + 2 * h * kv + h * h + 3 * h * inner + 2 * h;
                long embedding = (long) vocabSize * h;
                yield embedding + layers * block + h + (tiedEmbeddings ? 0 : embedding);
            }
        };
    }

    /**
     * Parameters LoRA of rank {@code rank} adds on the attention's query and value projections (PEFT's default
     * targets: {@code c_attn} for GPT-2, whose fused q/k/v output is 3h wide; {@code query, value} for BERT;
     * {@code q_proj, v_proj} for Llama): r·(in + out) per adapted matrix.
     */
    public long loraParameters(int rank) {
        if (rank <= 0 || rank > hidden) {
            throw new IllegalArgumentException("--lora-rank " + rank + " must be in [1, " + hidden + "] (the model width)");
        }
        long r = rank;
        long perLayer = switch (family) {
            case GPT2 -> r * (hidden + 3L * hidden);
            case BERT -> 2 * r * (hidden + hidden);
            case LLAMA -> r * (hidden + hidden) + r * (hidden + keyValueWidth());
        };
        return layers * perLayer;
    }

    /**
     * Reads a Hugging Face {@code config.json} (or the folder holding one): GPT-2's {@code n_layer / n_embd / n_head /
     * n_positions / n_inner}; BERT's and Llama's {@code hidden_size / num_hidden_layers / intermediate_size /
     * num_attention_heads}, with Llama's {@code num_key_value_heads} and {@code tie_word_embeddings}. The family comes
     * from {@code model_type}, else from which keys are present.
     */
    public static Architecture read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            file = file.resolve("config.json");
        }
        JsonNode node = JsonFiles.read(file);
        try {
            return parse(node, file);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    private static Architecture parse(JsonNode node, Path file) throws IOException {
        String type = node.path("model_type").asText("");
        if (type.equals("gpt2") || (type.isEmpty() && node.has("n_embd"))) {
            int hidden = JsonFiles.requiredInt(node, "n_embd", file);
            int inner = node.path("n_inner").isInt() ? node.get("n_inner").asInt() : 4 * hidden;
            return new Architecture(Family.GPT2, JsonFiles.requiredInt(node, "vocab_size", file),
                    JsonFiles.requiredInt(node, "n_positions", file), JsonFiles.requiredInt(node, "n_layer", file), hidden,
                    inner, JsonFiles.requiredInt(node, "n_head", file), JsonFiles.requiredInt(node, "n_head", file), true);
        }
        boolean bert = type.equals("bert") || (type.isEmpty() && node.has("type_vocab_size"));
        boolean llama = type.equals("llama") || type.equals("mistral") || (type.isEmpty() && node.has("num_key_value_heads"));
        if (!bert && !llama) {
            throw new IOException(file + ": model_type '" + type + "' is not one the planner counts (gpt2, bert, llama, mistral)");
        }
        int heads = JsonFiles.requiredInt(node, "num_attention_heads", file);
        int vocab = JsonFiles.requiredInt(node, "vocab_size", file);
        int positions = JsonFiles.requiredInt(node, "max_position_embeddings", file);
        int layers = JsonFiles.requiredInt(node, "num_hidden_layers", file);
        int hidden = JsonFiles.requiredInt(node, "hidden_size", file);
        int intermediate = JsonFiles.requiredInt(node, "intermediate_size", file);
        if (bert) {
            int types = node.path("type_vocab_size").asInt(BERT_TOKEN_TYPES);
            if (types != BERT_TOKEN_TYPES) {
                throw new IOException(file + ": type_vocab_size " + types + " (the planner counts BERT's 2)");
            }
            return bert(vocab, positions, layers, hidden, intermediate, heads);
        }
        int kvHeads = node.path("num_key_value_heads").isInt() ? node.get("num_key_value_heads").asInt() : heads;
        return new Architecture(Family.LLAMA, vocab, positions, layers, hidden, intermediate, heads, kvHeads,
                node.path("tie_word_embeddings").asBoolean(false));
    }
}
