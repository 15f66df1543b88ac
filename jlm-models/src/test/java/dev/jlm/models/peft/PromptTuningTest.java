package dev.jlm.models.peft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.models.gpt.Generator;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** Prompt tuning on GPT-2: where the virtual tokens go, their gradient, and adapter folders as PEFT writes them. */
class PromptTuningTest {
    static final GptConfig TINY = GptConfig.builder().vocabSize(30).blockSize(12).nLayer(2).nHead(2).nEmbd(16)
            .dropout(0f).bias(true).build();
    static final int[] IDS = {3, 7, 1, 9, 4, 2, 8, 5};
    static final int[] TARGETS = {7, 1, 9, 4, 2, 8, 5, 6};

    @TempDir
    Path dir;

    private static PromptTuningConfig random(int n) {
        return PromptTuningConfig.builder().numVirtualTokens(n).taskType("CAUSAL_LM").build();
    }

    private static float[] logits(Gpt model, int[] ids) {
        model.eval();
        try (var off = GradMode.off()) {
            return model.forward(ids, 1, ids.length).toArray();
        }
    }

    @Test
    void virtualTokensAreInputEmbeddingsAtTheFirstPositions() {
        // The reference: the same weights with the prompt as n extra vocabulary rows, fed as n real tokens before the
        // ids. Its logits after the prompt, over the original vocabulary, are what prompt tuning must give.
        Gpt tuned = new Gpt(TINY, 1);
        PromptTuningModel prompt = PromptTuningModel.wrap(tuned, random(3), null, 2);
        GptConfig wider = GptConfig.builder().vocabSize(33).blockSize(12).nLayer(2).nHead(2).nEmbd(16).dropout(0f).bias(true).build();
        Gpt reference = new Gpt(wider, 9);
        Map<String, Tensor> weights = new LinkedHashMap<>(new Gpt(TINY, 1).stateDict());
        Tensor wte = Tensor.zeros(33, 16);
        wte.slice(0, 0, 30).assign(weights.get("transformer.wte.weight"));
        wte.slice(0, 30, 33).assign(prompt.prompt.weight);
        weights.put("transformer.wte.weight", wte);
        reference.loadStateDict(weights, true);
        int[] withPrompt = new int[3 + IDS.length];
        withPrompt[0] = 30;
        withPrompt[1] = 31;
        withPrompt[2] = 32;
        System.arraycopy(IDS, 0, withPrompt, 3, IDS.length);

        float[] expected = logits(reference, withPrompt);
        float[] actual = logits(tuned, IDS);
        assertThat(actual).hasSize(IDS.length * 30);
        for (int t = 0; t < IDS.length; t++) {
            for (int v = 0; v < 30; v++) {
                assertThat(actual[t * 30 + v]).as("position %d, token %d", t, v).isCloseTo(expected[(t + 3) * 33 + v], offset(1e-5f));
            }
        }
        assertThat(tuned.contextSize()).isEqualTo(9);
    }

    @Test
    void onlyThePromptTrainsAndItsGradientMatchesFiniteDifferences() {
        Gpt model = new Gpt(TINY, 1);
        PromptTuningModel prompt = PromptTuningModel.wrap(model, random(2), null, 3);
        assertThat(model.namedParameters().entrySet().stream().filter(e -> e.getValue().requiresGrad()).map(Map.Entry::getKey))
                .containsExactly("prompt_encoder.weight");
        assertThat(prompt.trainableParameters()).isEqualTo(2 * 16);
        model.loss(IDS, TARGETS, 1, IDS.length).backward();
        Tensor p = prompt.prompt.weight;
        float[] analytic = p.grad().toArray();
        float[] data = p.data();
        for (int i = 0; i < p.numel(); i += 3) {
            int at = p.offset() + i;
            float saved = data[at];
            double eps = 1e-2;
            data[at] = (float) (saved + eps);
            double plus = lossValue(model);
            data[at] = (float) (saved - eps);
            double minus = lossValue(model);
            data[at] = saved;
            double numeric = (plus - minus) / (2 * eps);
            assertThat((double) analytic[i]).as("prompt_embeddings[%d]", i).isCloseTo(numeric, offset(2e-3 + 1e-2 * Math.abs(numeric)));
        }
        assertThat(model.transformer.wte.weight.grad()).as("the base stays frozen").isNull();
    }

    private static double lossValue(Gpt model) {
        try (var off = GradMode.off()) {
            return model.loss(IDS, TARGETS, 1, IDS.length).item();
        }
    }

    @Test
    void textInitRepeatsOrCutsTheTextsTokenEmbeddings() {
        PromptTuningConfig text = PromptTuningConfig.builder().numVirtualTokens(5).init(PromptTuningConfig.Init.TEXT)
                .initText("a b").tokenizerNameOrPath("tiny").build();
        Gpt model = new Gpt(TINY, 1);
        PromptTuningModel prompt = PromptTuningModel.wrap(model, text, new int[] {4, 11}, 0);
        Tensor wte = model.transformer.wte.weight;
        int[] expectedRows = {4, 11, 4, 11, 4};
        for (int i = 0; i < 5; i++) {
            assertThat(prompt.prompt.weight.select(0, i).toArray()).as("virtual token %d", i)
                    .containsExactly(wte.select(0, expectedRows[i]).toArray());
        }
        PromptTuningModel cut = PromptTuningModel.wrap(new Gpt(TINY, 1), text, new int[] {1, 2, 3, 4, 5, 6, 7}, 0);
        assertThat(cut.prompt.weight.select(0, 4).toArray()).containsExactly(wte.select(0, 5).toArray());
        assertThatThrownBy(() -> PromptTuningConfig.builder().numVirtualTokens(2).init(PromptTuningConfig.Init.TEXT).build())
                .hasMessageContaining("prompt_tuning_init_text");
        assertThatThrownBy(() -> PromptTuningModel.wrap(new Gpt(TINY, 1), random(12), null, 0))
                .hasMessageContaining("12 virtual tokens leave no room in block size 12");
    }

    @Test
    void savedAdapterHasPeftKeysAndConfigAndLoadsBackOntoAFreshBase() throws IOException {
        Gpt trained = new Gpt(TINY, 1);
        PromptTuningModel prompt = PromptTuningModel.wrap(trained, random(4), null, 5);
        prompt.save(dir, "tiny-gpt");
        try (SafeTensors file = SafeTensors.open(dir.resolve("adapter_model.safetensors"))) {
            assertThat(file.metadata()).containsEntry("format", "pt");
            assertThat(file.entries().keySet()).containsExactly("prompt_embeddings");
            assertThat(file.entries().get("prompt_embeddings").shape()).containsExactly(4, 16);
        }
        JsonNode config = JsonFiles.read(dir.resolve("adapter_config.json"));
        assertThat(config.get("peft_type").asText()).isEqualTo("PROMPT_TUNING");
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("num_virtual_tokens").asInt()).isEqualTo(4);
        assertThat(config.get("token_dim").asInt()).isEqualTo(16);
        assertThat(config.get("num_transformer_submodules").asInt()).isEqualTo(1);
        assertThat(config.get("num_attention_heads").asInt()).isEqualTo(2);
        assertThat(config.get("num_layers").asInt()).isEqualTo(2);
        assertThat(config.get("prompt_tuning_init").asText()).isEqualTo("RANDOM");
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo("tiny-gpt");
        assertThat(config.get("inference_mode").asBoolean()).isTrue();

        Gpt fresh = new Gpt(TINY, 1);
        PromptTuningModel loaded = PromptTuningModel.load(fresh, dir);
        assertThat(loaded.prompt.weight.toArray()).containsExactly(prompt.prompt.weight.toArray());
        assertThat(logits(fresh, IDS)).containsExactly(logits(trained, IDS));
        assertThat(logits(fresh, IDS)).isNotEqualTo(logits(new Gpt(TINY, 1), IDS));

        assertThatThrownBy(() -> PromptTuningModel.load(new Gpt(GptConfig.builder().vocabSize(30).blockSize(12).nLayer(2)
                .nHead(2).nEmbd(8).dropout(0f).bias(true).build(), 1), dir))
                .hasMessageContaining("token_dim is 16, the base model's width is 8");
        assertThatThrownBy(() -> LoraModel.load(new Gpt(TINY, 1), dir)).hasMessageContaining("peft_type is PROMPT_TUNING");
    }

    @Test
    void readsAHandWrittenPeftAdapter() throws IOException {
        // As PEFT 0.13's save_pretrained writes a GPT-2 prompt-tuning adapter (TEXT init, inference mode).
        Files.writeString(dir.resolve("adapter_config.json"), """
                {
                  "auto_mapping": null,
                  "base_model_name_or_path": "gpt2",
                  "inference_mode": true,
                  "num_attention_heads": 2,
                  "num_layers": 2,
                  "num_transformer_submodules": 1,
                  "num_virtual_tokens": 2,
                  "peft_type": "PROMPT_TUNING",
                  "prompt_tuning_init": "TEXT",
                  "prompt_tuning_init_text": "Write a headline:",
                  "revision": null,
                  "task_type": "CAUSAL_LM",
                  "token_dim": 16,
                  "tokenizer_kwargs": null,
                  "tokenizer_name_or_path": "gpt2"
                }
                """);
        Tensor embeddings = Tensor.randn(new SplittableRandom(4), 2, 16);
        SafeTensors.write(dir.resolve("adapter_model.safetensors"), Map.of("prompt_embeddings", embeddings), Map.of("format", "pt"));
        Gpt model = new Gpt(TINY, 1);
        PromptTuningModel prompt = PromptTuningModel.load(model, dir);
        assertThat(prompt.config.init()).isEqualTo(PromptTuningConfig.Init.TEXT);
        assertThat(prompt.config.initText()).isEqualTo("Write a headline:");
        assertThat(model.numVirtualTokens()).isEqualTo(2);
        assertThat(prompt.prompt.weight.toArray()).containsExactly(embeddings.toArray());

        SafeTensors.write(dir.resolve("adapter_model.safetensors"), Map.of("prompt_embeddings", Tensor.zeros(3, 16)), Map.of("format", "pt"));
        assertThatThrownBy(() -> PromptTuningModel.load(new Gpt(TINY, 1), dir))
                .hasMessageContaining("'prompt_embeddings' has shape [3, 16], the model's is [2, 16]");
        Files.writeString(dir.resolve("adapter_config.json"), Files.readString(dir.resolve("adapter_config.json"))
                .replace("\"num_transformer_submodules\": 1", "\"num_transformer_submodules\": 2"));
        assertThatThrownBy(() -> PromptTuningModel.load(new Gpt(TINY, 1), dir)).hasMessageContaining("num_transformer_submodules is 2");
    }

    @Test
    void generationKeepsTheVirtualTokensInTheCacheBeforeThePrompt() {
        // Greedy decoding through the KV cache must pick what a full recomputation with the prompt picks, up to a
        // context that fills the block: 3 virtual + 9 real tokens = 12.
        Gpt model = new Gpt(TINY, 1);
        PromptTuningModel.wrap(model, random(3), null, 2);
        int[] start = {3, 7, 1};
        int[] generated = Generator.generate(model, start, Generator.Settings.greedy(7), null, null);
        int[] tokens = start.clone();
        while (tokens.length < generated.length) {
            float[] l = logits(model, tokens);
            int best = 0;
            for (int v = 1; v < 30; v++) {
                if (l[(tokens.length - 1) * 30 + v] > l[(tokens.length - 1) * 30 + best]) {
                    best = v;
                }
            }
            tokens = Arrays.copyOf(tokens, tokens.length + 1);
            tokens[tokens.length - 1] = best;
        }
        assertThat(generated).hasSize(10).containsExactly(tokens);
    }

    static final int[] BERT_IDS = {1, 4, 9, 2, 7, 3, 5, 8, 6, 0, 0, 0};
    static final int[] BERT_MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};

    private static BertForSequenceClassification classifier(BertConfig config, BertForSequenceClassification.Pooling pooling) {
        return new BertForSequenceClassification(new Bert(config, true, 3), 4, true, pooling, 5);
    }

    private static float[] logits(BertForSequenceClassification model, int[] ids, int[] mask, int t) {
        model.eval();
        try (var off = GradMode.off()) {
            return model.forward(ids, null, mask, 2, t).toArray();
        }
    }

    @Test
    void bertClassifierSeesThePromptAsHfDoesWithInputsEmbedsPrepended() {
        // The reference again: the prompt as extra vocabulary rows fed as real tokens (segment 0, attended) before each
        // padded sequence. [CLS] pooling then reads the first virtual token; mean pooling averages prompt and text.
        for (BertForSequenceClassification.Pooling pooling : BertForSequenceClassification.Pooling.values()) {
            BertConfig config = LoraModelTest.TINY_BERT;
            BertForSequenceClassification tuned = classifier(config, pooling);
            PromptTuningModel prompt = PromptTuningModel.wrap(tuned, seqCls(2), null, 2);
            BertConfig wider = BertConfig.builder().vocabSize(config.vocabSize() + 2).hiddenSize(config.hiddenSize())
                    .numHiddenLayers(config.numHiddenLayers()).numAttentionHeads(config.numAttentionHeads())
                    .intermediateSize(config.intermediateSize()).hiddenDropout(0f).attentionDropout(0f)
                    .maxPositionEmbeddings(config.maxPositionEmbeddings()).build();
            BertForSequenceClassification reference = classifier(wider, pooling);
            Map<String, Tensor> weights = new LinkedHashMap<>(classifier(config, pooling).stateDict());
            Tensor words = weights.get("bert.embeddings.word_embeddings.weight");
            Tensor wte = Tensor.zeros(config.vocabSize() + 2, config.hiddenSize());
            wte.slice(0, 0, config.vocabSize()).assign(words);
            wte.slice(0, config.vocabSize(), config.vocabSize() + 2).assign(prompt.prompt.weight);
            weights.put("bert.embeddings.word_embeddings.weight", wte);
            reference.loadStateDict(weights, true);
            int[] ids = new int[2 * 8];
            int[] mask = new int[2 * 8];
            for (int b = 0; b < 2; b++) {
                ids[b * 8] = config.vocabSize();
                ids[b * 8 + 1] = config.vocabSize() + 1;
                mask[b * 8] = 1;
                mask[b * 8 + 1] = 1;
                System.arraycopy(BERT_IDS, b * 6, ids, b * 8 + 2, 6);
                System.arraycopy(BERT_MASK, b * 6, mask, b * 8 + 2, 6);
            }
            assertThat(logits(tuned, BERT_IDS, BERT_MASK, 6)).as("%s pooling", pooling)
                    .containsExactly(logits(reference, ids, mask, 8), offset(1e-5f));
        }
    }

    private static PromptTuningConfig seqCls(int n) {
        return PromptTuningConfig.builder().numVirtualTokens(n).modulesToSave(List.of("classifier")).taskType("SEQ_CLS").build();
    }

    @Test
    void bertClassifierTrainsThePromptAndHeadWithFiniteDifferenceGradients() {
        BertForSequenceClassification model = classifier(LoraModelTest.TINY_BERT, BertForSequenceClassification.Pooling.CLS);
        PromptTuningModel prompt = PromptTuningModel.wrap(model, seqCls(3), null, 4);
        assertThat(model.namedParameters().entrySet().stream().filter(e -> e.getValue().requiresGrad()).map(Map.Entry::getKey))
                .containsExactlyInAnyOrder("bert.prompt_encoder.weight", "classifier.weight", "classifier.bias");
        Tensor targets = Tensor.of(new float[] {1, 0, 0, 1, 0, 1, 1, 0}, 2, 4);
        model.train();
        model.loss(model.forward(BERT_IDS, null, BERT_MASK, 2, 6), targets).backward();
        Tensor p = prompt.prompt.weight;
        float[] analytic = p.grad().toArray();
        float[] data = p.data();
        for (int i = 0; i < p.numel(); i += 2) {
            int at = p.offset() + i;
            float saved = data[at];
            double eps = 1e-2;
            data[at] = (float) (saved + eps);
            double plus = lossValue(model, targets);
            data[at] = (float) (saved - eps);
            double minus = lossValue(model, targets);
            data[at] = saved;
            double numeric = (plus - minus) / (2 * eps);
            assertThat((double) analytic[i]).as("prompt_embeddings[%d]", i).isCloseTo(numeric, offset(2e-3 + 1e-2 * Math.abs(numeric)));
        }
    }

    private static double lossValue(BertForSequenceClassification model, Tensor targets) {
        try (var off = GradMode.off()) {
            return model.loss(model.forward(BERT_IDS, null, BERT_MASK, 2, 6), targets).item();
        }
    }

    @Test
    void bertClassifierAdapterSavesThePromptAndHeadUnderPeftKeys() throws IOException {
        BertForSequenceClassification trained = classifier(LoraModelTest.TINY_BERT, BertForSequenceClassification.Pooling.MEAN);
        PromptTuningModel prompt = PromptTuningModel.wrap(trained, seqCls(2), null, 6);
        trained.classifier.weight.assign(Tensor.randn(new SplittableRandom(7), trained.classifier.weight.shape()));
        prompt.save(dir, "tiny-bert");
        try (SafeTensors file = SafeTensors.open(dir.resolve("adapter_model.safetensors"))) {
            assertThat(file.entries().keySet()).containsExactlyInAnyOrder("prompt_embeddings", "base_model.classifier.weight",
                    "base_model.classifier.bias");
        }
        JsonNode config = JsonFiles.read(dir.resolve("adapter_config.json"));
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("token_dim").asInt()).isEqualTo(8);
        BertForSequenceClassification fresh = classifier(LoraModelTest.TINY_BERT, BertForSequenceClassification.Pooling.MEAN);
        PromptTuningModel.load(fresh, dir);
        assertThat(logits(fresh, BERT_IDS, BERT_MASK, 6)).containsExactly(logits(trained, BERT_IDS, BERT_MASK, 6));
        assertThatThrownBy(() -> PromptTuningModel.load(new Bert(LoraModelTest.TINY_BERT, true, 3), dir))
                .hasMessageContaining("prompt tuning applies to GPT-2 models and BERT sequence classifiers, not a Bert");
    }
}
