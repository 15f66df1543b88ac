package dev.jlm.models.bert;

import dev.jlm.fixtures.Fixtures;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.tensor.GradMode;
import dev.jlm.text.Encoding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * jlm's BERT, with weights imported from the ONNX files that ship in Maven jars, against ONNX Runtime running those
 * same files: token states and pooled sentence embeddings within 1e-4 (max abs), batches with padding.
 */
class OnnxParityTest {
    static List<String> sentences;

    @BeforeAll
    static void sentences(@TempDir Path cache) throws IOException {
        System.setProperty("jlm.cache", cache.toString());
        sentences = new ArrayList<>();
        JsonNode squad = new ObjectMapper().readTree(Fixtures.path("data/squad/dev-v1.1.json").toFile());
        outer:
        for (JsonNode article : squad.get("data")) {
            for (JsonNode paragraph : article.get("paragraphs")) {
                sentences.add(paragraph.get("qas").get(0).get("question").asText());
                if (sentences.size() == 60) {
                    break outer;
                }
                break;
            }
        }
        String sgm = Files.readString(Fixtures.path("data/reuters21578/reut2-000.sgm"), StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("<BODY>(.*?)</BODY>", Pattern.DOTALL).matcher(sgm);
        while (m.find() && sentences.size() < 100) {
            String body = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            int stop = body.indexOf(". ");
            sentences.add((stop > 0 ? body.substring(0, stop + 1) : body).strip());
        }
    }

    @ParameterizedTest
    @CsvSource({"sentence-transformers/all-MiniLM-L6-v2, /all-minilm-l6-v2.onnx",
            "BAAI/bge-small-en-v1.5, /bge-small-en-v1.5.onnx"})
    void tokenStatesAndSentenceEmbeddingsMatchOnnxRuntime(String name, String resource) throws Exception {
        SentenceEmbedder embedder = SentenceEmbedder.load(PretrainedModels.resolve(name));
        byte[] onnx;
        try (InputStream in = OnnxParityTest.class.getResourceAsStream(resource)) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
            double worstState = 0;
            double worstEmbedding = 0;
            for (int start = 0; start < sentences.size(); start += 16) {
                List<String> batch = sentences.subList(start, Math.min(sentences.size(), start + 16));
                List<Encoding> encodings = embedder.tokenizer().encodeBatch(batch, dev.jlm.text.EncodeOptions.DEFAULT);
                SentenceEmbedder.Batch ours;
                float[][] ourEmbeddings;
                try (var off = GradMode.off()) {
                    ours = embedder.encode(encodings);
                    ourEmbeddings = embedder.pool(ours);
                }
                int b = ours.batch();
                int t = ours.length();
                long[] ids = new long[b * t];
                long[] mask = new long[b * t];
                long[] types = new long[b * t];
                for (int i = 0; i < b; i++) {
                    Encoding e = encodings.get(i);
                    for (int j = 0; j < e.length(); j++) {
                        ids[i * t + j] = e.ids()[j];
                        mask[i * t + j] = e.attentionMask()[j];
                        types[i * t + j] = e.typeIds()[j];
                    }
                }
                long[] shape = {b, t};
                try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                     OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                     OnnxTensor typesT = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
                     OrtSession.Result result = session.run(Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT))) {
                    float[][][] states = (float[][][]) result.get(0).getValue();
                    float[] mine = ours.hidden().toArray();
                    int h = states[0][0].length;
                    for (int i = 0; i < b; i++) {
                        for (int j = 0; j < t; j++) {
                            if (mask[i * t + j] == 0) {
                                continue;
                            }
                            for (int k = 0; k < h; k++) {
                                worstState = Math.max(worstState, Math.abs(states[i][j][k] - mine[(i * t + j) * h + k]));
                            }
                        }
                    }
                    float[][] reference = embedder.pool(new SentenceEmbedder.Batch(dev.jlm.tensor.Tensor.of(flatten(states), b, t, h),
                            ours.mask(), b, t));
                    for (int i = 0; i < b; i++) {
                        for (int k = 0; k < h; k++) {
                            worstEmbedding = Math.max(worstEmbedding, Math.abs(reference[i][k] - ourEmbeddings[i][k]));
                        }
                    }
                }
            }
            assertThat(worstState).as("max |token state difference| for %s", name).isLessThanOrEqualTo(1e-4);
            assertThat(worstEmbedding).as("max |embedding difference| for %s", name).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void embedBatchesLongestFirstAndAnswersInInputOrder() throws Exception {
        SentenceEmbedder embedder = SentenceEmbedder.load(PretrainedModels.resolve("sentence-transformers/all-MiniLM-L6-v2"));
        List<Encoding> encodings = embedder.tokenizer().encodeBatch(sentences, dev.jlm.text.EncodeOptions.DEFAULT);
        Integer[] order = SentenceEmbedder.lengthOrder(encodings);
        for (int i = 1; i < order.length; i++) {
            assertThat(encodings.get(order[i]).length()).isLessThanOrEqualTo(encodings.get(order[i - 1]).length());
        }
        float[][] batched = embedder.embed(sentences, 16, false);
        for (int i = 0; i < sentences.size(); i += 7) {
            float[] alone = embedder.embed(List.of(sentences.get(i)), 1, false)[0];
            for (int k = 0; k < alone.length; k++) {
                assertThat(batched[i][k]).as("sentence %d, dimension %d", i, k).isCloseTo(alone[k], within(1e-5f));
            }
        }
    }

    private static float[] flatten(float[][][] x) {
        int b = x.length;
        int t = x[0].length;
        int h = x[0][0].length;
        float[] out = new float[b * t * h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                System.arraycopy(x[i][j], 0, out, (i * t + j) * h, h);
            }
        }
        return out;
    }
}
