package dev.jlm.models.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.fixtures.Fixtures;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.gpt.Perplexity;
import dev.jlm.models.peft.LoraConfig;
import dev.jlm.models.peft.LoraModel;
import dev.jlm.tensor.io.DType;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;
import dev.jlm.tensor.nn.QuantizableLayer;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Quantized checkpoints end to end: written by {@link Quantizer}, loaded by the models' {@code fromPretrained}, scored
 * against the float model they came from. A char-level GPT trained here on tiny Shakespeare; all-MiniLM-L6-v2 offline.
 */
class QuantizerTest {
    static Path gpt;
    static int[] valIds;
    static double fp32Loss;

    @BeforeAll
    static void trainGpt(@TempDir Path dir) throws IOException {
        String text = Files.readString(Fixtures.path("data/shakespeare/input.txt")).substring(0, 200_000);
        GptTrainer.Settings settings = GptTrainer.Settings.builder().maxIters(400).batchSize(16).warmupIters(20)
                .evalInterval(400).evalIters(2).build();
        GptTrainer trainer = GptTrainer.onText(text, "char", vocab -> GptConfig.builder().vocabSize(vocab).blockSize(64)
                .nLayer(2).nHead(4).nEmbd(64).dropout(0f).bias(true).build(), settings, dir.resolve("run"));
        gpt = trainer.run().bestModel();
        // The trainer's validation split (the last 10%), which it never trained on.
        valIds = Tokenizers.load(gpt.toString()).encode(text.substring(180_000), null, EncodeOptions.DEFAULT.withoutSpecialTokens()).ids();
        fp32Loss = Perplexity.slidingWindows(Gpt.fromPretrained(gpt), valIds, 64).loss();
    }

    /** Perplexity of the ids' own character frequencies: what a model that ignores context can reach at best. */
    static double unigramPerplexity(int[] ids) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int id : ids) {
            counts.merge(id, 1, Integer::sum);
        }
        double entropy = 0;
        for (int count : counts.values()) {
            double p = (double) count / ids.length;
            entropy -= p * Math.log(p);
        }
        return Math.exp(entropy);
    }

    static double perplexityRatio(Path quantized) throws IOException {
        double loss = Perplexity.slidingWindows(Gpt.fromPretrained(quantized), valIds, 64).loss();
        return Math.exp(loss - fp32Loss);
    }

    /** The bar: int8 perplexity within 1% of fp32; bf16 and fp16 round less coarsely, so the same bar holds. */
    @Test
    void quantizedGptPerplexityIsWithinOnePercentOfFp32(@TempDir Path dir) throws IOException {
        assertThat(Math.exp(fp32Loss)).as("a model that learned context: well below a unigram model's perplexity")
                .isLessThan(0.75 * unigramPerplexity(valIds));
        for (Format format : Format.values()) {
            Path out = dir.resolve(format.name());
            Quantizer.quantize(gpt, format, out);
            double ratio = perplexityRatio(out);
            assertThat(Math.abs(ratio - 1)).as("%s perplexity ratio %.5f", format, ratio).isLessThan(0.01);
            Gpt loaded = Gpt.fromPretrained(out);
            long quantizedLayers = loaded.namedModules().values().stream()
                    .filter(m -> m instanceof QuantizableLayer layer && layer.quantized() != null).count();
            assertThat(quantizedLayers).as("every Conv1D and both embeddings held quantized").isEqualTo(2 * 4 + 2);
        }
    }

    /**
     * The file holds 1 byte per quantized weight plus a 4-byte scale per output channel (int8), 2 bytes (bf16), and
     * 4 bytes for every other value; only the header (a few kB) comes on top.
     */
    @Test
    void theFileShrinksByTheBytesOfTheQuantizedWeights(@TempDir Path dir) throws IOException {
        for (Format format : List.of(Format.INT8, Format.BF16)) {
            Path out = dir.resolve(format.name());
            Quantizer.Result result = Quantizer.quantize(gpt, format, out);
            long expected = 0;
            try (SafeTensors fp32 = SafeTensors.open(gpt.resolve("model.safetensors"));
                 SafeTensors quantized = SafeTensors.open(out.resolve("model.safetensors"))) {
                for (var entry : fp32.entries().entrySet()) {
                    DType stored = quantized.entries().get(entry.getKey()).dtype();
                    long numel = entry.getValue().numel();
                    int[] shape = entry.getValue().shape();
                    if (stored == DType.I8) {
                        expected += numel + 4L * shape[1];
                        assertThat(quantized.entries().get(entry.getKey() + "_scale").dtype()).isEqualTo(DType.F32);
                    } else {
                        expected += numel * stored.bytes;
                    }
                }
            }
            assertThat(result.quantizedTensors()).isEqualTo(2 * 4 + 2);
            assertThat(result.quantizedBytes()).isBetween(expected, expected + 16_384);
            assertThat(Tokenizers.load(out.toString()).vocabSize()).as("the tokenizer copied").isEqualTo(Tokenizers.load(gpt.toString()).vocabSize());
        }
    }

    @Test
    void aQuantizedCheckpointWithoutItsScalesOrWithAnUnknownDtypeIsAOneLineError(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("int8");
        Quantizer.quantize(gpt, Format.INT8, out);
        Path broken = dir.resolve("no-scales");
        Files.createDirectories(broken);
        Files.copy(out.resolve("config.json"), broken.resolve("config.json"));
        try (SafeTensors st = SafeTensors.open(out.resolve("model.safetensors"))) {
            SafeTensors.Writer writer = SafeTensors.writer();
            for (var entry : st.entries().values()) {
                if (!entry.name().equals("transformer.h.1.mlp.c_fc.weight_scale")) {
                    writer.addRaw(entry.name(), entry.dtype(), entry.shape(), st.bytes(entry.name()));
                }
            }
            writer.write(broken.resolve("model.safetensors"));
        }
        assertThatThrownBy(() -> Gpt.fromPretrained(broken)).isInstanceOf(IOException.class)
                .hasMessageContaining("no 'transformer.h.1.mlp.c_fc.weight_scale'").hasMessageNotContaining("\n");

        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(out.resolve("config.json").toFile());
        ((ObjectNode) config.get("quantization_config")).put("dtype", "int3");
        new ObjectMapper().writeValue(out.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> Gpt.fromPretrained(out)).isInstanceOf(IOException.class)
                .hasMessageContaining("quantization_config.dtype 'int3' is not one of int8, bf16, fp16");
        assertThatThrownBy(() -> Quantizer.quantize(out, Format.INT8, dir.resolve("again"))).isInstanceOf(IOException.class);
    }

    /** QLoRA is out of scope: adapting quantized layers is refused with a one-line error instead of failing later. */
    @Test
    void loraOnAQuantizedBaseIsRefused(@TempDir Path dir) throws IOException {
        Gpt quantized = Gpt.fromPretrained(Quantizer.quantize(gpt, Format.INT8, dir.resolve("int8")).out());
        assertThatThrownBy(() -> LoraModel.wrap(quantized, LoraConfig.builder().r(4).target("c_attn").fanInFanOut(true).build(), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LoRA on a quantized base is not supported");
    }

    /** Sentence embeddings of all-MiniLM-L6-v2 with int8 (and bf16) weights: cosine ≥ 0.999 to fp32 for every sentence. */
    @Test
    void quantizedMiniLmEmbeddingsStayWithinCosine0999OfFp32(@TempDir Path dir) throws IOException {
        System.setProperty("jlm.cache", dir.resolve("cache").toString());
        Path fp32 = PretrainedModels.resolve("sentence-transformers/all-MiniLM-L6-v2");
        List<String> sentences = new ArrayList<>();
        JsonNode squad = new ObjectMapper().readTree(Fixtures.path("data/squad/dev-v1.1.json").toFile());
        for (JsonNode article : squad.get("data")) {
            for (JsonNode paragraph : article.get("paragraphs")) {
                if (sentences.size() < 300) {
                    sentences.add(paragraph.get("qas").get(0).get("question").asText());
                }
            }
        }
        assertThat(sentences).hasSize(300);
        float[][] reference = SentenceEmbedder.load(fp32).embed(sentences, 32, true);
        for (Format format : List.of(Format.INT8, Format.BF16)) {
            Path out = dir.resolve(format.name());
            Quantizer.Result result = Quantizer.quantize(fp32, format, out);
            assertThat(result.quantizedTensors()).as("6 layers × 6 Linear and 3 embeddings (no pooler stored)").isEqualTo(36 + 3);
            // Every matrix quantized; only norms, biases and the int8 scales stay F32 (≈ 1% of the int8 file).
            assertThat((double) result.quantizedBytes() / result.originalBytes()).as("%s size ratio", format)
                    .isLessThan(format == Format.INT8 ? 0.26 : 0.51);
            float[][] got = SentenceEmbedder.load(out).embed(sentences, 32, true);
            double worst = 1;
            for (int i = 0; i < sentences.size(); i++) {
                double dot = 0;
                double a = 0;
                double b = 0;
                for (int d = 0; d < reference[i].length; d++) {
                    dot += (double) reference[i][d] * got[i][d];
                    a += (double) reference[i][d] * reference[i][d];
                    b += (double) got[i][d] * got[i][d];
                }
                worst = Math.min(worst, dot / Math.sqrt(a * b));
            }
            assertThat(worst).as("%s worst cosine", format).isGreaterThanOrEqualTo(0.999);
        }
    }
}
