package dev.jlm.tasks.reuters;

import dev.jlm.fixtures.Fixtures;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.peft.LoraConfig;
import dev.jlm.tensor.Tensor;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LoRA fine-tuning through the one training loop, on a tiny random BERT and two of the SGML files. */
class ReutersLoraTest {
    @Test
    void onlyAdaptersAndHeadTrainAndTheSavedAdapterIsSmallAndReloads(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("reuters");
        Files.createDirectories(data);
        for (String file : List.of("reut2-000.sgm", "reut2-018.sgm")) {
            Files.copy(Fixtures.path("data/reuters21578/" + file), data.resolve(file));
        }
        Path base = dir.resolve("tiny-bert");
        new Bert(BertConfig.builder().vocabSize(30522).hiddenSize(32).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(64).hiddenDropout(0.1f).attentionDropout(0.1f).maxPositionEmbeddings(512).build(), false, 3)
                .savePretrained(base);
        Tokenizers.load("bert-base-uncased").save(base);
        Reuters21578.ModApte split = Reuters21578.modApte(Reuters21578.read(data)).top(3);
        LoraConfig lora = LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1f).target("query,value")
                .modulesToSave(List.of("classifier")).taskType("SEQ_CLS").build();
        ReutersFineTuner.Settings settings = ReutersFineTuner.Settings.builder().epochs(2).batchSize(16).learningRate(1e-2f)
                .maxLength(32).peft(lora).build();
        Path out = dir.resolve("adapter");
        ReutersFineTuner tuner = new ReutersFineTuner(base, Tokenizers.load(base.resolve("tokenizer.json").toString()), split,
                settings, out);
        Map<String, float[]> before = new LinkedHashMap<>();
        tuner.model().namedParameters().forEach((name, p) -> before.put(name, p.toArray()));
        // 2 layers × (query, value) × (A [4, 32] + B [32, 4]) + the head 3 × 32 + 3.
        assertThat(tuner.peft().trainableParameters()).isEqualTo(2 * 2 * 256 + 99);

        ReutersFineTuner.Result result = tuner.run(split.test());

        assertThat(result.steps()).isEqualTo(2 * tuner.stepsPerEpoch());
        Map<String, Tensor> after = tuner.model().namedParameters();
        after.forEach((name, p) -> {
            boolean trains = name.contains(".lora_A.") || name.contains(".lora_B.") || name.startsWith("classifier.");
            assertThat(java.util.Arrays.equals(p.toArray(), before.get(name))).as("%s unchanged", name).isEqualTo(!trains);
        });
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("last")).toList())
                    .contains("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "reuters_labels.json")
                    .doesNotContain("model.safetensors");
        }
        long adapterBytes = Files.size(out.resolve("adapter_model.safetensors"));
        assertThat(adapterBytes).isLessThan(Files.size(base.resolve("model.safetensors")) / 100);

        ReutersFineTuner.Classifier reloaded = ReutersFineTuner.Classifier.load(base, out);
        assertThat(reloaded.categories()).isEqualTo(split.categories());
        assertThat(reloaded.evaluate(split.test(), 16).microF1()).isEqualTo(result.report().microF1());
    }
}
