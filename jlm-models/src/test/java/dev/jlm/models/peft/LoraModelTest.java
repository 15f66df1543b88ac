package dev.jlm.models.peft;

import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.models.gpt.Conv1D;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.tensor.GradCheck;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

class LoraModelTest {
    static final BertConfig TINY_BERT = BertConfig.builder().vocabSize(20).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(16).hiddenDropout(0f).attentionDropout(0f).maxPositionEmbeddings(12).build();

    /** A Linear and a Conv1D side by side, as the smallest model with both kinds of target. */
    static final class TwoLayers extends Module {
        final Linear proj;
        final Conv1D cAttn;
        final Linear head;

        TwoLayers(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            proj = child("proj", new Linear(6, 5, true, random));
            cAttn = child("c_attn", new Conv1D(5, 7, true, 0.5f, random));
            head = child("head", new Linear(7, 3, true, random));
        }

        Tensor forward(Tensor x) {
            return head.forward(cAttn.forward(proj.forward(x)));
        }
    }

    private static LoraConfig.Builder config() {
        return LoraConfig.builder().r(2).loraAlpha(4).targetModules(List.of("proj", "c_attn"));
    }

    /** B starts at zero; training moves it, so give it values for checks that need a non-zero update. */
    private static void randomizeB(LoraModel lora, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (String name : lora.targetNames()) {
            Tensor b = lora.layer(name).loraB.weight;
            b.assign(Tensor.randn(random, b.shape()));
        }
    }

    @Test
    void freshAdaptersLeaveOutputsUnchangedAndInitialiseAsPeft() {
        TwoLayers model = new TwoLayers(1);
        Tensor x = Tensor.randn(new SplittableRandom(2), 4, 6);
        float[] before = model.forward(x).toArray();
        LoraModel lora = LoraModel.wrap(model, config().build(), 3);
        assertThat(model.forward(x).toArray()).containsExactly(before);
        LoraLayer proj = lora.layer("proj");
        assertThat(proj.loraA.weight.shape()).containsExactly(2, 6);
        assertThat(proj.loraB.weight.shape()).containsExactly(5, 2);
        assertThat(lora.layer("c_attn").loraA.weight.shape()).containsExactly(2, 5);
        assertThat(lora.layer("c_attn").loraB.weight.shape()).containsExactly(7, 2);
        float bound = (float) (1 / Math.sqrt(6));
        float largest = 0;
        for (float v : proj.loraA.weight.toArray()) {
            largest = Math.max(largest, Math.abs(v));
        }
        assertThat(largest).isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
        assertThat(proj.loraB.weight.toArray()).containsOnly(0f);
        assertThat(model.namedParameters().keySet()).contains("proj.lora_A.weight", "proj.lora_B.weight",
                "c_attn.lora_A.weight", "c_attn.lora_B.weight");
    }

    @Test
    void scalingIsAlphaOverRankOrOverItsRootWithRsLora() {
        assertThat(config().r(4).loraAlpha(16).build().scaling()).isEqualTo(4f);
        assertThat(config().r(4).loraAlpha(16).useRslora(true).build().scaling()).isEqualTo(8f);
    }

    @Test
    void adaptedOutputIsBasePlusScaledLowRankPath() {
        TwoLayers model = new TwoLayers(1);
        Tensor x = Tensor.randn(new SplittableRandom(2), 4, 6);
        Tensor base = model.proj.forward(x);
        LoraModel lora = LoraModel.wrap(model, config().build(), 3);
        randomizeB(lora, 4);
        LoraLayer layer = lora.layer("proj");
        float[] expected = new float[4 * 5];
        float[] a = layer.loraA.weight.toArray();
        float[] b = layer.loraB.weight.toArray();
        for (int row = 0; row < 4; row++) {
            for (int o = 0; o < 5; o++) {
                double sum = base.get(row, o);
                for (int k = 0; k < 2; k++) {
                    double ax = 0;
                    for (int i = 0; i < 6; i++) {
                        ax += a[k * 6 + i] * x.get(row, i);
                    }
                    sum += 2.0 * b[o * 2 + k] * ax;
                }
                expected[row * 5 + o] = (float) sum;
            }
        }
        float[] actual = model.proj.forward(x).toArray();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("y[%d]", i).isCloseTo(expected[i], offset(1e-5f));
        }
    }

    @Test
    void gradientsThroughAdaptedLinearAndConv1DMatchFiniteDifferences() {
        TwoLayers model = new TwoLayers(1);
        LoraModel lora = LoraModel.wrap(model, config().build(), 3);
        randomizeB(lora, 4);
        LoraLayer proj = lora.layer("proj");
        LoraLayer conv = lora.layer("c_attn");
        Tensor x = Tensor.randn(new SplittableRandom(2), 3, 6);
        GradCheck.check("lora Linear", in -> model.proj.forward(in[0]), x, proj.loraA.weight, proj.loraB.weight);
        Tensor h = Tensor.randn(new SplittableRandom(5), 3, 5);
        GradCheck.check("lora Conv1D", in -> model.cAttn.forward(in[0]), h, conv.loraA.weight, conv.loraB.weight);
    }

    @Test
    void mergedOutputsEqualUnmergedAndUnmergeRestoresTheBase() {
        TwoLayers model = new TwoLayers(1);
        float[] baseProj = model.proj.weight.toArray();
        float[] baseConv = model.cAttn.weight.toArray();
        LoraModel lora = LoraModel.wrap(model, config().build(), 3);
        randomizeB(lora, 4);
        Tensor x = Tensor.randn(new SplittableRandom(2), 4, 6);
        float[] unmerged = model.forward(x).toArray();
        lora.merge();
        assertThat(model.proj.weight.toArray()).isNotEqualTo(baseProj);
        assertCloseTo(model.forward(x).toArray(), unmerged, 1e-5f);
        lora.unmerge();
        assertCloseTo(model.proj.weight.toArray(), baseProj, 1e-6f);
        assertCloseTo(model.cAttn.weight.toArray(), baseConv, 1e-6f);
        assertCloseTo(model.forward(x).toArray(), unmerged, 1e-5f);
        Module plain = lora.mergeAndUnload();
        assertThat(plain.namedParameters().keySet()).containsExactly("proj.weight", "proj.bias", "c_attn.weight",
                "c_attn.bias", "head.weight", "head.bias");
        assertCloseTo(model.forward(x).toArray(), unmerged, 1e-5f);
    }

    @Test
    void mergedGpt2AndBertMatchTheirAdaptedForward() {
        Gpt gpt = new Gpt(GptConfig.builder().vocabSize(30).blockSize(8).nLayer(2).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        LoraModel gptLora = LoraModel.wrap(gpt, LoraConfig.builder().r(4).loraAlpha(8).target("c_attn")
                .fanInFanOut(true).build(), 1);
        randomizeB(gptLora, 2);
        gpt.eval();
        int[] ids = {1, 4, 9, 2, 7, 3};
        try (var off = GradMode.off()) {
            float[] unmerged = gpt.forward(ids, 1, 6).toArray();
            gptLora.merge();
            assertCloseTo(gpt.forward(ids, 1, 6).toArray(), unmerged, 1e-5f);
        }
        BertForSequenceClassification bert = new BertForSequenceClassification(new Bert(TINY_BERT, true, 3), 4, true,
                BertForSequenceClassification.Pooling.MEAN, 5);
        LoraModel bertLora = LoraModel.wrap(bert, LoraConfig.builder().r(2).loraAlpha(16).target("query,value")
                .modulesToSave(List.of("classifier")).build(), 1);
        randomizeB(bertLora, 2);
        bert.eval();
        int[] mask = {1, 1, 1, 1, 1, 0};
        try (var off = GradMode.off()) {
            float[] unmerged = bert.forward(ids, null, mask, 1, 6).toArray();
            bertLora.merge();
            assertCloseTo(bert.forward(ids, null, mask, 1, 6).toArray(), unmerged, 1e-5f);
        }
    }

    @Test
    void onlyAdaptersBiasesByModeAndModulesToSaveTrain() {
        BertForSequenceClassification bert = new BertForSequenceClassification(new Bert(TINY_BERT, true, 3), 4, true,
                BertForSequenceClassification.Pooling.MEAN, 5);
        long total = bert.parameterCount();
        LoraModel lora = LoraModel.wrap(bert, LoraConfig.builder().r(2).target("query,value")
                .modulesToSave(List.of("classifier")).build(), 1);
        Map<String, Tensor> params = bert.namedParameters();
        List<String> trainable = params.entrySet().stream().filter(e -> e.getValue().requiresGrad()).map(Map.Entry::getKey).toList();
        assertThat(trainable).containsExactlyInAnyOrder(
                "bert.encoder.layer.0.attention.self.query.lora_A.weight", "bert.encoder.layer.0.attention.self.query.lora_B.weight",
                "bert.encoder.layer.0.attention.self.value.lora_A.weight", "bert.encoder.layer.0.attention.self.value.lora_B.weight",
                "bert.encoder.layer.1.attention.self.query.lora_A.weight", "bert.encoder.layer.1.attention.self.query.lora_B.weight",
                "bert.encoder.layer.1.attention.self.value.lora_A.weight", "bert.encoder.layer.1.attention.self.value.lora_B.weight",
                "classifier.weight", "classifier.bias");
        // Each adapter: A [2, 8] and B [8, 2] = 32 values; 4 of them; the head 8·4 + 4.
        long adapters = 4 * 32;
        assertThat(lora.trainableParameters()).isEqualTo(adapters + 36);
        assertThat(lora.totalParameters()).isEqualTo(total + adapters);
        assertThat(lora.trainableParametersSummary()).isEqualTo(String.format(java.util.Locale.ROOT,
                "trainable params: %,d || all params: %,d || trainable%%: %.4f", adapters + 36, total + adapters,
                100.0 * (adapters + 36) / (total + adapters)));

        BertForSequenceClassification loraOnly = new BertForSequenceClassification(new Bert(TINY_BERT, true, 3), 4, true,
                BertForSequenceClassification.Pooling.MEAN, 5);
        LoraModel withBiases = LoraModel.wrap(loraOnly, LoraConfig.builder().r(2).target("query")
                .bias(LoraConfig.Bias.LORA_ONLY).build(), 1);
        assertThat(loraOnly.namedParameters().get("bert.encoder.layer.0.attention.self.query.bias").requiresGrad()).isTrue();
        assertThat(loraOnly.namedParameters().get("bert.encoder.layer.0.attention.self.key.bias").requiresGrad()).isFalse();
        assertThat(withBiases.adapterStateDict()).containsKey(
                "base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias");

        BertForSequenceClassification all = new BertForSequenceClassification(new Bert(TINY_BERT, true, 3), 4, true,
                BertForSequenceClassification.Pooling.MEAN, 5);
        LoraModel.wrap(all, LoraConfig.builder().r(2).target("query").bias(LoraConfig.Bias.ALL).build(), 1);
        all.namedParameters().forEach((name, p) -> assertThat(p.requiresGrad()).as(name)
                .isEqualTo(name.endsWith(".bias") || name.contains(".lora_")));
    }

    @Test
    void regexTargetsMatchWholeNames() {
        Gpt gpt = new Gpt(GptConfig.builder().vocabSize(30).blockSize(8).nLayer(3).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        LoraModel lora = LoraModel.wrap(gpt, LoraConfig.builder().r(2).target("transformer\\.h\\.[01]\\.attn\\.c_attn").build(), 1);
        assertThat(lora.targetNames()).containsExactly("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn");
    }

    @Test
    void badTargetsAndRanksAreOneLineErrors() {
        assertThatThrownBy(() -> LoraModel.wrap(new TwoLayers(1), config().targetModules(List.of("proj", "q_proj")).build(), 1))
                .hasMessage("target module 'q_proj' matches no module of the model (its layers are named like 'proj')");
        assertThatThrownBy(() -> LoraModel.wrap(new TwoLayers(1), config().r(6).build(), 1))
                .hasMessage("r 6 is larger than layer 'proj' allows (6 in, 5 out features)");
        Gpt gpt = new Gpt(GptConfig.builder().vocabSize(30).blockSize(8).nLayer(1).nHead(2).nEmbd(16).dropout(0f).bias(true).build(), 7);
        assertThatThrownBy(() -> LoraModel.wrap(gpt, LoraConfig.builder().target("attn").build(), 1))
                .hasMessage("target module 'transformer.h.0.attn' is a CausalSelfAttention; LoRA adapts Linear and Conv1D layers");
        assertThatThrownBy(() -> LoraModel.wrap(new TwoLayers(1), config().target("nothing.*").build(), 1))
                .hasMessage("target modules 'nothing.*' match no Linear or Conv1D layer of the model (its layers are named like 'proj')");
    }

    static void assertCloseTo(float[] actual, float[] expected, float tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("[%d]", i).isCloseTo(expected[i], offset(tolerance));
        }
    }
}
