package dev.jlm.models.peft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.JsonFiles;
import dev.jlm.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Adapter folders as PEFT's save_pretrained writes them, both ways. */
class LoraFilesTest {
    static final BertConfig TINY_BERT = LoraModelTest.TINY_BERT;
    static final int[] IDS = {1, 4, 9, 2, 7, 3};
    static final int[] MASK = {1, 1, 1, 1, 1, 0};

    @TempDir
    Path dir;

    private static BertForSequenceClassification classifier(BertConfig config) {
        return new BertForSequenceClassification(new Bert(config, true, 3), 4, true,
                BertForSequenceClassification.Pooling.MEAN, 5);
    }

    private static LoraConfig seqCls() {
        return LoraConfig.builder().r(2).loraAlpha(16).loraDropout(0.1f).target("query,value")
                .modulesToSave(List.of("classifier")).taskType("SEQ_CLS").build();
    }

    /** Stands in for training: every saved tensor gets new values. */
    private static void perturb(LoraModel lora, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        lora.adapterStateDict().values().forEach(t -> t.assign(Tensor.randn(random, t.shape())));
    }

    private static float[] logits(BertForSequenceClassification model) {
        model.eval();
        try (var off = GradMode.off()) {
            return model.forward(IDS, null, MASK, 1, 6).toArray();
        }
    }

    @Test
    void savedAdapterHasPeftKeysAndConfigAndLoadsBackOntoAFreshBase() throws IOException {
        BertForSequenceClassification trained = classifier(TINY_BERT);
        LoraModel lora = LoraModel.wrap(trained, seqCls(), 1);
        perturb(lora, 2);
        lora.save(dir, "tiny-bert");

        try (SafeTensors file = SafeTensors.open(dir.resolve("adapter_model.safetensors"))) {
            assertThat(file.metadata()).containsEntry("format", "pt");
            assertThat(file.entries().keySet()).containsExactlyInAnyOrder(
                    "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
                    "base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight",
                    "base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight",
                    "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight",
                    "base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight",
                    "base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.weight",
                    "base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight",
                    "base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight",
                    "base_model.model.classifier.weight", "base_model.model.classifier.bias");
            assertThat(file.entries().get("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight").shape())
                    .containsExactly(2, 8);
        }
        JsonNode config = JsonFiles.read(dir.resolve("adapter_config.json"));
        assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("r").asInt()).isEqualTo(2);
        assertThat(config.get("lora_alpha").isIntegralNumber()).isTrue();
        assertThat(config.get("lora_alpha").asInt()).isEqualTo(16);
        assertThat(config.get("lora_dropout").asDouble()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(config.get("target_modules")).extracting(JsonNode::asText).containsExactly("query", "value");
        assertThat(config.get("modules_to_save")).extracting(JsonNode::asText).containsExactly("classifier");
        assertThat(config.get("bias").asText()).isEqualTo("none");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("tiny-bert");
        assertThat(config.get("inference_mode").asBoolean()).isTrue();
        assertThat(config.get("use_rslora").asBoolean()).isFalse();
        assertThat(config.get("init_lora_weights").asBoolean()).isTrue();
        assertThat(config.get("fan_in_fan_out").asBoolean()).isFalse();
        List<String> keys = new java.util.ArrayList<>();
        config.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isSorted();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("adapter_config.json", "adapter_model.safetensors");
        }

        BertForSequenceClassification fresh = classifier(TINY_BERT);
        assertThat(logits(fresh)).isNotEqualTo(logits(trained));
        LoraModel loaded = LoraModel.load(fresh, dir);
        assertThat(loaded.config.scaling()).isEqualTo(8f);
        assertThat(logits(fresh)).containsExactly(logits(trained));
    }

    @Test
    void gpt2AdapterKeysFollowGpt2LmHeadModel() throws IOException {
        Gpt gpt = new Gpt(GptConfig.builder().vocabSize(30).blockSize(8).nLayer(1).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        LoraModel lora = LoraModel.wrap(gpt, LoraConfig.builder().r(4).loraAlpha(32).target("c_attn").fanInFanOut(true)
                .bias(LoraConfig.Bias.LORA_ONLY).taskType("CAUSAL_LM").build(), 1);
        assertThat(lora.adapterStateDict().keySet()).containsExactly(
                "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
                "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
                "base_model.model.transformer.h.0.attn.c_attn.base_layer.bias");
        perturb(lora, 3);
        lora.save(dir, "gpt2");
        Gpt fresh = new Gpt(GptConfig.builder().vocabSize(30).blockSize(8).nLayer(1).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        LoraModel.load(fresh, dir);
        gpt.eval();
        fresh.eval();
        try (var off = GradMode.off()) {
            assertThat(fresh.forward(IDS, 1, 6).toArray()).containsExactly(gpt.forward(IDS, 1, 6).toArray());
        }
    }

    /** The folder PEFT writes for BertForSequenceClassification (peft 0.13's fields), written here by hand. */
    @Test
    void handWrittenPeftAdapterLoads() throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), """
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
                  "bias": "none",
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layer_replication": null,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "loftq_config": {},
                  "lora_alpha": 4,
                  "lora_dropout": 0.05,
                  "megatron_config": null,
                  "megatron_core": "megatron.core",
                  "modules_to_save": ["classifier"],
                  "peft_type": "LORA",
                  "r": 1,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": ["value"],
                  "task_type": "SEQ_CLS",
                  "use_dora": false,
                  "use_rslora": true
                }
                """);
        SplittableRandom random = new SplittableRandom(9);
        Tensor a = Tensor.randn(random, 1, 8);
        Tensor b = Tensor.randn(random, 8, 1);
        Tensor head = Tensor.randn(random, 4, 8);
        Tensor headBias = Tensor.randn(random, 4);
        var writer = SafeTensors.writer().metadata("format", "pt");
        for (int layer = 0; layer < 2; layer++) {
            String prefix = "base_model.model.bert.encoder.layer." + layer + ".attention.self.value.";
            writer.add(prefix + "lora_A.weight", a).add(prefix + "lora_B.weight", b);
        }
        writer.add("base_model.model.classifier.weight", head).add("base_model.model.classifier.bias", headBias);
        writer.write(dir.resolve("adapter_model.safetensors"));

        BertForSequenceClassification model = classifier(TINY_BERT);
        BertForSequenceClassification reference = classifier(TINY_BERT);
        LoraModel lora = LoraModel.load(model, dir);
        assertThat(lora.targetNames()).containsExactly("bert.encoder.layer.0.attention.self.value",
                "bert.encoder.layer.1.attention.self.value");
        assertThat(lora.config.scaling()).isEqualTo(4f);
        assertThat(model.classifier.weight.toArray()).containsExactly(head.toArray());
        // The adapted value projection is W + 4·B·A: merge it by hand into the reference and compare the logits.
        try (var off = GradMode.off()) {
            Tensor delta = b.matmul(a).mul(4f);
            for (int layer = 0; layer < 2; layer++) {
                Tensor w = reference.bert.encoder.layer.get(layer).attention.self.value.weight;
                w.assign(w.add(delta));
            }
            reference.classifier.weight.assign(head);
            reference.classifier.bias.assign(headBias);
        }
        LoraModelTest.assertCloseTo(logits(model), logits(reference), 1e-5f);
    }

    @Test
    void mismatchedBasesUnknownTargetsAndLargeRanksAreOneLineErrors() throws IOException {
        LoraModel lora = LoraModel.wrap(classifier(TINY_BERT), seqCls(), 1);
        lora.save(dir, "tiny-bert");
        BertConfig wider = BertConfig.builder().vocabSize(20).hiddenSize(12).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(16).hiddenDropout(0f).attentionDropout(0f).maxPositionEmbeddings(12).build();
        assertThatThrownBy(() -> LoraModel.load(classifier(wider), dir))
                .hasMessage(dir.resolve("adapter_model.safetensors") + ": 'base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight'"
                        + " has shape [2, 8], the base model's is [2, 12] (is the adapter for another model?)");
        BertConfig shallower = BertConfig.builder().vocabSize(20).hiddenSize(8).numHiddenLayers(1).numAttentionHeads(2).intermediateSize(16).hiddenDropout(0f).attentionDropout(0f).maxPositionEmbeddings(12).build();
        assertThatThrownBy(() -> LoraModel.load(classifier(shallower), dir))
                .hasMessage(dir.resolve("adapter_model.safetensors") + ": 'base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight'"
                        + " names no parameter of the base model (is the adapter for another model?)");
        assertThatThrownBy(() -> LoraModel.load(new Bert(TINY_BERT, true, 3), dir))
                .hasMessage(dir.resolve("adapter_config.json") + ": modules_to_save 'classifier' matches no module of the model"
                        + " (its layers are named like 'encoder.layer.0.attention.self.query')");

        Path config = dir.resolve("adapter_config.json");
        String written = Files.readString(config);
        Files.writeString(config, written.replace("\"query\"", "\"q_proj\""));
        assertThatThrownBy(() -> LoraModel.load(classifier(TINY_BERT), dir))
                .hasMessage(config + ": target module 'q_proj' matches no module of the model"
                        + " (its layers are named like 'bert.encoder.layer.0.attention.self.query')");
        Files.writeString(config, written.replaceFirst("\"r\" : 2", "\"r\" : 64"));
        assertThatThrownBy(() -> LoraModel.load(classifier(TINY_BERT), dir))
                .hasMessage(config + ": r 64 is larger than layer 'bert.encoder.layer.0.attention.self.query' allows"
                        + " (8 in, 8 out features)");
        Files.writeString(config, written.replace("\"use_dora\" : false", "\"use_dora\" : true"));
        assertThatThrownBy(() -> LoraModel.load(classifier(TINY_BERT), dir))
                .hasMessage(config + ": 'use_dora' is set; jlm's LoRA does not support it");
    }
}
