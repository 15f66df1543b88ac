package dev.jlm.models.onnx;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnnxModelTest {

    static OnnxModel miniLm() throws IOException {
        try (InputStream in = OnnxModelTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            return OnnxModel.parse(ByteBuffer.wrap(in.readAllBytes()), "all-minilm-l6-v2.onnx");
        }
    }

    @Test
    void readsInitializersAndGraphOfAnExportedBert() throws IOException {
        OnnxModel model = miniLm();
        var words = model.initializers().get("embeddings.word_embeddings.weight");
        assertThat(words).as("word embeddings initializer").isNotNull();
        assertThat(words.dims()).containsExactly(30522, 384);
        long matmuls = model.nodes().stream().filter(n -> n.opType().equals("MatMul")).count();
        assertThat(matmuls).as("6 layers x (q, k, v, scores, context, output, intermediate, output)").isEqualTo(48);
    }

    @Test
    void importsMiniLmAsHuggingFaceBertWeights() throws IOException {
        var result = OnnxBertImport.convert(miniLm());
        var config = result.config();
        assertThat(config.numHiddenLayers()).isEqualTo(6);
        assertThat(config.hiddenSize()).isEqualTo(384);
        assertThat(config.numAttentionHeads()).isEqualTo(12);
        assertThat(config.intermediateSize()).isEqualTo(1536);
        assertThat(config.vocabSize()).isEqualTo(30522);
        assertThat(config.hiddenAct()).isEqualTo("gelu");
        assertThat(config.layerNormEps()).isEqualTo(1e-12f);
        assertThat(result.weights().get("encoder.layer.5.output.dense.weight").shape()).containsExactly(384, 1536);
        assertThat(result.weights().get("encoder.layer.0.attention.self.query.weight").shape()).containsExactly(384, 384);
        assertThat(result.weights()).hasSize(5 + 6 * 16 + (result.weights().containsKey("pooler.dense.weight") ? 2 : 0));
    }

    @Test
    void truncatedFileIsAOneLineError() throws IOException {
        byte[] bytes;
        try (InputStream in = OnnxModelTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            bytes = in.readNBytes(5000);
        }
        assertThatThrownBy(() -> OnnxModel.parse(ByteBuffer.wrap(bytes), "cut.onnx"))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cut.onnx: ");
    }
}
