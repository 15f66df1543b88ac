package dev.jlm.models.gpt;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.Optimizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Parity with an independent PyTorch implementation (nanoGPT's model with HF names and tanh GELU):
 * testdata/golden/gpt2-tiny/expected.json. Tolerances are the issue's: loss ≤ 1e-4 relative, last-position logits
 * ≤ 1e-4 absolute, gradient L2 norms ≤ 1e-3 relative.
 */
class GoldenGptTest {
    static JsonNode expected;
    static Path golden;

    @BeforeAll
    static void load() throws IOException {
        golden = Fixtures.path("golden/gpt2-tiny");
        expected = new ObjectMapper().readTree(golden.resolve("expected.json").toFile());
    }

    static int[] flat(JsonNode batch) {
        return java.util.stream.StreamSupport.stream(batch.spliterator(), false)
                .flatMapToInt(row -> java.util.stream.StreamSupport.stream(row.spliterator(), false).mapToInt(JsonNode::asInt))
                .toArray();
    }

    @Test
    void lossLogitsGradientsAndOneAdamWStepMatchTheReference() throws IOException {
        Gpt model = Gpt.fromPretrained(golden);
        model.eval();
        int[] ids = flat(expected.get("input_ids"));
        int[] targets = flat(expected.get("targets"));
        int batch = expected.get("input_ids").size();
        int t = ids.length / batch;

        Tensor logits = model.forward(ids, batch, t);
        Tensor loss = dev.jlm.tensor.F.crossEntropy(logits, targets, -1);
        double expectedLoss = expected.get("loss").asDouble();
        assertThat((double) loss.item()).isCloseTo(expectedLoss, within(1e-4 * expectedLoss));

        int vocab = model.config.vocabSize();
        for (int b = 0; b < batch; b++) {
            JsonNode row = expected.get("logits_last_position").get(b);
            assertThat(row.size()).isEqualTo(vocab);
            for (int v = 0; v < vocab; v++) {
                assertThat(logits.get(b, t - 1, v)).as("logit [%d][%d]", b, v).isCloseTo((float) row.get(v).asDouble(), within(1e-4f));
            }
        }

        loss.backward();
        Map<String, Tensor> params = model.namedParameters();
        expected.get("grad_l2_norms").fields().forEachRemaining(e -> {
            Tensor p = params.get(e.getKey());
            assertThat(p).as("parameter %s", e.getKey()).isNotNull();
            float[] g = p.grad().toArray();
            double sum = 0;
            for (float v : g) {
                sum += (double) v * v;
            }
            double norm = Math.sqrt(sum);
            assertThat(norm).as("grad norm of %s", e.getKey()).isCloseTo(e.getValue().asDouble(), within(1e-3 * e.getValue().asDouble()));
        });

        // Gradients that are zero in exact arithmetic (e.g. the key bias: softmax ignores a constant added to every
        // score) come out as float noise in both implementations, and Adam's first step moves such an element by
        // ±lr whatever the noise's size. Each may differ by up to 2·lr; everything else is held to 1e-4 relative.
        Map<String, Integer> noiseGradients = new java.util.HashMap<>();
        params.forEach((name, p) -> {
            int count = 0;
            for (float v : p.grad().toArray()) {
                count += Math.abs(v) < 1e-7f ? 1 : 0;
            }
            noiseGradients.put(name, count);
        });
        JsonNode adam = expected.get("adamw");
        AdamW optimizer = new AdamW(Optimizer.decayMatricesOnly(model, (float) adam.get("weight_decay").asDouble()),
                (float) adam.get("lr").asDouble(), (float) adam.get("betas").get(0).asDouble(),
                (float) adam.get("betas").get(1).asDouble(), (float) adam.get("eps").asDouble());
        optimizer.step();
        adam.get("after_one_step").fields().forEachRemaining(e -> {
            float[] values = params.get(e.getKey()).toArray();
            JsonNode first8 = e.getValue().get("first8");
            for (int i = 0; i < first8.size(); i++) {
                assertThat(values[i]).as("%s[%d] after one step", e.getKey(), i).isCloseTo((float) first8.get(i).asDouble(), within(1e-6f));
            }
            double sum = 0;
            for (float v : values) {
                sum += v;
            }
            double expectedSum = e.getValue().get("sum").asDouble();
            double noise = 2 * adam.get("lr").asDouble() * noiseGradients.get(e.getKey());
            assertThat(sum).as("sum of %s after one step", e.getKey())
                    .isCloseTo(expectedSum, within(1e-4 * Math.max(1, Math.abs(expectedSum)) + noise));
        });
    }

    @Test
    void greedyContinuationWithKvCacheMatchesTokenForToken() throws IOException {
        Gpt model = Gpt.fromPretrained(golden);
        JsonNode greedy = expected.get("greedy");
        int[] prompt = java.util.stream.StreamSupport.stream(greedy.get("prompt").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        int[] output = java.util.stream.StreamSupport.stream(greedy.get("output").spliterator(), false).mapToInt(JsonNode::asInt).toArray();
        int[] generated = Generator.generate(model, prompt, Generator.Settings.greedy(output.length - prompt.length), null, null);
        assertThat(generated).containsExactly(output);
    }

    @Test
    void savedCheckpointUsesHuggingFaceNamesAndLoadsBackIdentically(@TempDir Path dir) throws IOException {
        Gpt model = Gpt.fromPretrained(golden);
        model.savePretrained(dir);
        try (var saved = dev.jlm.tensor.io.SafeTensors.open(dir.resolve("model.safetensors"));
             var original = dev.jlm.tensor.io.SafeTensors.open(golden.resolve("model.safetensors"))) {
            assertThat(saved.entries().keySet()).containsExactlyInAnyOrderElementsOf(original.entries().keySet());
            for (var entry : original.entries().values()) {
                assertThat(saved.entries().get(entry.name()).shape()).as(entry.name()).containsExactly(entry.shape());
                assertThat(saved.entries().get(entry.name()).dtype()).isEqualTo(entry.dtype());
            }
        }
        Gpt reloaded = Gpt.fromPretrained(dir);
        int[] ids = {1, 2, 3, 4};
        // Identical weights; 1e-6 allows only the last-bit rounding a JIT-compiled kernel may change between calls.
        assertThat(reloaded.forward(ids, 1, 4).toArray()).containsExactly(model.forward(ids, 1, 4).toArray(), within(1e-6f));
    }
}
