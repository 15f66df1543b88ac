package dev.jlm.models.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * GPT-2 hyper-parameters (nanoGPT's GPTConfig), read from and written as Hugging Face's {@code GPT2Config}
 * ({@code config.json}).
 *
 * @param vocabSize  tokens in the vocabulary ({@code vocab_size})
 * @param blockSize  maximum context length ({@code n_positions})
 * @param nLayer     transformer blocks
 * @param nHead      attention heads per block
 * @param nEmbd      model width
 * @param dropout    dropout on embeddings, attention probabilities, attention output and MLP output, in training
 *                   ({@code resid_pdrop}; written as {@code embd_pdrop} and {@code attn_pdrop} too)
 * @param bias       whether Linear layers and LayerNorms have biases (HF GPT-2 always does; a model trained
 *                   without them is saved with zero biases, which computes the same function)
 * @param layerNormEps LayerNorm epsilon ({@code layer_norm_epsilon})
 * @param activation {@code gelu_new} (tanh approximation, GPT-2's) or {@code gelu} (erf)
 */
public record GptConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, float dropout, boolean bias,
                        float layerNormEps, String activation) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** GPT-2's vocabulary: a model of this size reads GPT-2's tokenizer, whose last token is {@code <|endoftext|>}. */
    private static final int GPT2_VOCAB_SIZE = 50257;
    private static final int GPT2_END_OF_TEXT = 50256;

    public GptConfig {
        if (nHead <= 0 || nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " must be a multiple of n_head " + nHead);
        }
        if (vocabSize <= 0 || blockSize <= 0 || nLayer <= 0) {
            throw new IllegalArgumentException("vocab_size, n_positions and n_layer must be positive");
        }
        if (!activation.equals("gelu_new") && !activation.equals("gelu")) {
            throw new IllegalArgumentException("activation_function '" + activation + "' is not supported (gelu_new, gelu)");
        }
    }

    /** A builder starting from Hugging Face's {@code GPT2Config} defaults (GPT-2 124M); fields are set by name. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link GptConfig} by field name, so that two of its many int fields cannot be swapped unnoticed. */
    public static final class Builder {
        private int vocabSize = GPT2_VOCAB_SIZE;
        private int blockSize = 1024;
        private int nLayer = 12;
        private int nHead = 12;
        private int nEmbd = 768;
        private float dropout = 0.1f;
        private boolean bias = true;
        private float layerNormEps = 1e-5f;
        private String activation = "gelu_new";

        private Builder() {
        }

        public Builder vocabSize(int value) {
            vocabSize = value;
            return this;
        }

        /** {@code n_positions}, nanoGPT's block size. */
        public Builder blockSize(int value) {
            blockSize = value;
            return this;
        }

        public Builder nLayer(int value) {
            nLayer = value;
            return this;
        }

        public Builder nHead(int value) {
            nHead = value;
            return this;
        }

        public Builder nEmbd(int value) {
            nEmbd = value;
            return this;
        }

        /** One probability for the embedding, attention and residual dropouts, as nanoGPT's {@code dropout}. */
        public Builder dropout(float value) {
            dropout = value;
            return this;
        }

        public Builder bias(boolean value) {
            bias = value;
            return this;
        }

        public Builder layerNormEps(float value) {
            layerNormEps = value;
            return this;
        }

        /** {@code activation_function}: {@code gelu_new} (tanh, GPT-2's) or {@code gelu} (erf). */
        public Builder activation(String value) {
            activation = value;
            return this;
        }

        public GptConfig build() {
            return new GptConfig(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, layerNormEps, activation);
        }
    }

    public int headSize() {
        return nEmbd / nHead;
    }

    /**
     * The token that ends a text ({@code eos_token_id}, also HF's {@code bos_token_id}): GPT-2's {@code <|endoftext|>}
     * for GPT-2's vocabulary, else -1, none (a character-level model has no such token).
     */
    public int eosTokenId() {
        return vocabSize == GPT2_VOCAB_SIZE ? GPT2_END_OF_TEXT : -1;
    }

    /** Reads an HF {@code config.json}; errors name the file and the key. */
    public static GptConfig read(Path file) throws IOException {
        JsonNode node = JsonFiles.read(file);
        String type = node.path("model_type").asText("gpt2");
        if (!type.equals("gpt2")) {
            throw new IOException(file + ": model_type is '" + type + "', expected 'gpt2'");
        }
        return new GptConfig(JsonFiles.requiredInt(node, "vocab_size", file), JsonFiles.requiredInt(node, "n_positions", file),
                JsonFiles.requiredInt(node, "n_layer", file), JsonFiles.requiredInt(node, "n_head", file), JsonFiles.requiredInt(node, "n_embd", file),
                (float) node.path("resid_pdrop").asDouble(0.0), !node.path("jlm_bias_free").asBoolean(false),
                (float) node.path("layer_norm_epsilon").asDouble(1e-5), node.path("activation_function").asText("gelu_new"));
    }

    /** Writes HF's GPT2Config keys (atomically). */
    public void write(Path file) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("model_type", "gpt2");
        node.putArray("architectures").add("GPT2LMHeadModel");
        node.put("vocab_size", vocabSize);
        node.put("n_positions", blockSize);
        node.put("n_ctx", blockSize);
        node.put("n_embd", nEmbd);
        node.put("n_layer", nLayer);
        node.put("n_head", nHead);
        node.putNull("n_inner");
        node.put("activation_function", activation);
        node.put("resid_pdrop", dropout);
        node.put("embd_pdrop", dropout);
        node.put("attn_pdrop", dropout);
        node.put("layer_norm_epsilon", layerNormEps);
        node.put("initializer_range", 0.02);
        node.put("scale_attn_weights", true);
        node.put("tie_word_embeddings", true);
        if (!bias) {
            // Read back by jlm to keep training bias-free; HF ignores unknown keys and loads the zero biases.
            node.put("jlm_bias_free", true);
        }
        if (eosTokenId() >= 0) {
            node.put("bos_token_id", eosTokenId());
            node.put("eos_token_id", eosTokenId());
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), node);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
