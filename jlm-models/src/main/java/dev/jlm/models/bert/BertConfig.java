package dev.jlm.models.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * BERT hyper-parameters, read from and written as Hugging Face's {@code BertConfig} ({@code config.json}).
 *
 * @param vocabSize             word-piece vocabulary size
 * @param hiddenSize            model width
 * @param numHiddenLayers       encoder layers
 * @param numAttentionHeads     heads per layer
 * @param intermediateSize      MLP width
 * @param hiddenAct             {@code gelu} (erf) or {@code gelu_new} (tanh)
 * @param hiddenDropout         dropout after embeddings, attention output and MLP output
 * @param attentionDropout      dropout on attention probabilities
 * @param maxPositionEmbeddings maximum sequence length
 * @param typeVocabSize         token-type (segment) vocabulary size
 * @param layerNormEps          LayerNorm epsilon
 */
public record BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
                         String hiddenAct, float hiddenDropout, float attentionDropout, int maxPositionEmbeddings,
                         int typeVocabSize, float layerNormEps) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public BertConfig {
        if (numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " must be a multiple of num_attention_heads "
                    + numAttentionHeads);
        }
        if (!hiddenAct.equals("gelu") && !hiddenAct.equals("gelu_new") && !hiddenAct.equals("relu")) {
            throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported (gelu, gelu_new, relu)");
        }
    }

    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** A builder starting from Hugging Face's {@code BertConfig} defaults (bert-base-uncased); fields are set by name. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link BertConfig} by field name, so that two of its many int fields cannot be swapped unnoticed. */
    public static final class Builder {
        private int vocabSize = 30522;
        private int hiddenSize = 768;
        private int numHiddenLayers = 12;
        private int numAttentionHeads = 12;
        private int intermediateSize = 3072;
        private String hiddenAct = "gelu";
        private float hiddenDropout = 0.1f;
        private float attentionDropout = 0.1f;
        private int maxPositionEmbeddings = 512;
        private int typeVocabSize = 2;
        private float layerNormEps = 1e-12f;

        private Builder() {
        }

        public Builder vocabSize(int value) {
            vocabSize = value;
            return this;
        }

        public Builder hiddenSize(int value) {
            hiddenSize = value;
            return this;
        }

        public Builder numHiddenLayers(int value) {
            numHiddenLayers = value;
            return this;
        }

        public Builder numAttentionHeads(int value) {
            numAttentionHeads = value;
            return this;
        }

        public Builder intermediateSize(int value) {
            intermediateSize = value;
            return this;
        }

        public Builder hiddenAct(String value) {
            hiddenAct = value;
            return this;
        }

        /** {@code hidden_dropout_prob}. */
        public Builder hiddenDropout(float value) {
            hiddenDropout = value;
            return this;
        }

        /** {@code attention_probs_dropout_prob}. */
        public Builder attentionDropout(float value) {
            attentionDropout = value;
            return this;
        }

        public Builder maxPositionEmbeddings(int value) {
            maxPositionEmbeddings = value;
            return this;
        }

        public Builder typeVocabSize(int value) {
            typeVocabSize = value;
            return this;
        }

        public Builder layerNormEps(float value) {
            layerNormEps = value;
            return this;
        }

        public BertConfig build() {
            return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, hiddenAct,
                    hiddenDropout, attentionDropout, maxPositionEmbeddings, typeVocabSize, layerNormEps);
        }
    }

    /** Reads an HF {@code config.json}; errors name the file and key. */
    public static BertConfig read(Path file) throws IOException {
        JsonNode node = JsonFiles.read(file);
        String type = node.path("model_type").asText("bert");
        if (!type.equals("bert")) {
            throw new IOException(file + ": model_type is '" + type + "', expected 'bert'");
        }
        return new BertConfig(JsonFiles.requiredInt(node, "vocab_size", file), JsonFiles.requiredInt(node, "hidden_size", file),
                JsonFiles.requiredInt(node, "num_hidden_layers", file), JsonFiles.requiredInt(node, "num_attention_heads", file),
                JsonFiles.requiredInt(node, "intermediate_size", file), node.path("hidden_act").asText("gelu"),
                (float) node.path("hidden_dropout_prob").asDouble(0.1),
                (float) node.path("attention_probs_dropout_prob").asDouble(0.1),
                node.path("max_position_embeddings").asInt(512), node.path("type_vocab_size").asInt(2),
                (float) node.path("layer_norm_eps").asDouble(1e-12));
    }

    /**
     * Writes HF's BertConfig keys and a head's {@code extras} (atomically); {@code architecture} is e.g.
     * {@code BertForMaskedLM}.
     */
    public void write(Path file, String architecture, Map<String, String> extras) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("model_type", "bert");
        node.putArray("architectures").add(architecture);
        node.put("vocab_size", vocabSize);
        node.put("hidden_size", hiddenSize);
        node.put("num_hidden_layers", numHiddenLayers);
        node.put("num_attention_heads", numAttentionHeads);
        node.put("intermediate_size", intermediateSize);
        node.put("hidden_act", hiddenAct);
        node.put("hidden_dropout_prob", hiddenDropout);
        node.put("attention_probs_dropout_prob", attentionDropout);
        node.put("max_position_embeddings", maxPositionEmbeddings);
        node.put("type_vocab_size", typeVocabSize);
        node.put("layer_norm_eps", layerNormEps);
        node.put("initializer_range", 0.02);
        node.put("pad_token_id", 0);
        node.put("position_embedding_type", "absolute");
        extras.forEach(node::put);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), node);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
