package dev.jlm.models.onnx;

import dev.jlm.models.bert.BertConfig;
import dev.jlm.tensor.Tensor;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a BERT exported to ONNX by Hugging Face's exporter into HF {@code BertModel} weights and config. Named
 * initializers (embeddings, biases, LayerNorms) keep their names; each Linear's weight is an anonymous MatMul input,
 * found by following the graph from its bias: {@code Add(X.bias, MatMul(h, W))} gives {@code X.weight = Wᵀ}
 * (ONNX stores [in, out], HF Linear [out, in]).
 */
public final class OnnxBertImport {
    /** The imported model: HF config and state dict (BertModel names, no {@code bert.} prefix). */
    public record Result(BertConfig config, Map<String, Tensor> weights) {
    }

    private OnnxBertImport() {
    }

    public static Result convert(OnnxModel model) throws IOException {
        Map<String, OnnxModel.Initializer> init = model.initializers();
        Map<String, OnnxModel.Node> producers = new HashMap<>();
        for (OnnxModel.Node node : model.nodes()) {
            for (String output : node.outputs()) {
                producers.put(output, node);
            }
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (OnnxModel.Initializer tensor : init.values()) {
            if (isWeightName(tensor.name())) {
                weights.put(tensor.name(), Tensor.of(tensor.values(), toInt(tensor.dims())));
            }
        }
        for (OnnxModel.Node add : model.nodes()) {
            if (!add.opType().equals("Add") || add.inputs().size() != 2) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String bias = add.inputs().get(side);
                OnnxModel.Node matmul = producers.get(add.inputs().get(1 - side));
                if (!bias.endsWith(".bias") || !init.containsKey(bias) || matmul == null
                        || !matmul.opType().equals("MatMul") || !init.containsKey(matmul.inputs().get(1))) {
                    continue;
                }
                OnnxModel.Initializer w = init.get(matmul.inputs().get(1));
                int in = (int) w.dims()[0];
                int out = (int) w.dims()[1];
                weights.put(bias.substring(0, bias.length() - ".bias".length()) + ".weight",
                        Tensor.of(w.values(), in, out).transpose(0, 1).contiguous());
            }
        }
        return new Result(inferConfig(model, weights, producers), weights);
    }

    private static boolean isWeightName(String name) {
        return (name.startsWith("embeddings.") || name.startsWith("encoder.") || name.startsWith("pooler."))
                && !name.endsWith("position_ids");
    }

    private static BertConfig inferConfig(OnnxModel model, Map<String, Tensor> weights,
                                          Map<String, OnnxModel.Node> producers) throws IOException {
        Tensor words = require(weights, "embeddings.word_embeddings.weight", model);
        Tensor positions = require(weights, "embeddings.position_embeddings.weight", model);
        Tensor types = require(weights, "embeddings.token_type_embeddings.weight", model);
        Tensor intermediate = require(weights, "encoder.layer.0.intermediate.dense.weight", model);
        int layers = 0;
        while (weights.containsKey("encoder.layer." + layers + ".attention.self.query.weight")) {
            layers++;
        }
        boolean erf = model.nodes().stream().anyMatch(n -> n.opType().equals("Erf"));
        return BertConfig.builder().vocabSize(words.size(0)).hiddenSize(words.size(1)).numHiddenLayers(layers)
                .numAttentionHeads(heads(model, producers)).intermediateSize(intermediate.size(0)).hiddenAct(erf ? "gelu" : "gelu_new")
                .maxPositionEmbeddings(positions.size(0)).typeVocabSize(types.size(0)).layerNormEps(layerNormEps(model)).build();
    }

    /**
     * The head count is the third entry of the shape that splits the key projection into heads:
     * {@code Reshape(key, Concat(batch, seq, heads, headSize))}.
     */
    private static int heads(OnnxModel model, Map<String, OnnxModel.Node> producers) throws IOException {
        for (OnnxModel.Node reshape : model.nodes()) {
            if (!reshape.opType().equals("Reshape")) {
                continue;
            }
            OnnxModel.Node source = producers.get(reshape.inputs().get(0));
            OnnxModel.Node shape = producers.get(reshape.inputs().get(1));
            if (source == null || shape == null || !source.inputs().contains("encoder.layer.0.attention.self.key.bias")) {
                continue;
            }
            List<String> parts = shape.inputs();
            OnnxModel.Initializer heads = parts.size() == 4 ? model.initializers().get(parts.get(2)) : null;
            if (shape.opType().equals("Concat") && heads != null && heads.values().length == 1) {
                return (int) heads.values()[0];
            }
            OnnxModel.Initializer constantShape = model.initializers().get(reshape.inputs().get(1));
            if (constantShape != null && constantShape.values().length == 4) {
                return (int) constantShape.values()[2];
            }
        }
        throw new IOException(model.source() + ": cannot find the number of attention heads in the graph");
    }

    /** The epsilon added to the variance in the embeddings' LayerNorm ({@code Add(ReduceMean(..), eps)}). */
    private static float layerNormEps(OnnxModel model) {
        for (OnnxModel.Node node : model.nodes()) {
            if (node.opType().equals("Add") && node.name().equals("/embeddings/LayerNorm/Add")) {
                for (String input : node.inputs()) {
                    OnnxModel.Initializer c = model.initializers().get(input);
                    if (c != null && c.values().length == 1) {
                        return c.values()[0];
                    }
                }
            }
        }
        return 1e-12f;
    }

    private static Tensor require(Map<String, Tensor> weights, String name, OnnxModel model) throws IOException {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IOException(model.source() + ": no tensor '" + name + "' (not a BERT export?)");
        }
        return t;
    }

    private static int[] toInt(long[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = Math.toIntExact(dims[i]);
        }
        return out;
    }
}
