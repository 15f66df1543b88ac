package dev.jlm.models.bert;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Finite-difference check of the masked-LM loss's gradient through every kind of BERT parameter. */
class BertGradientTest {
    static final BertConfig TINY = BertConfig.builder().vocabSize(20).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(16).hiddenDropout(0f).attentionDropout(0f).maxPositionEmbeddings(12).build();

    @Test
    void maskedLmGradientsMatchFiniteDifferences() {
        check(new BertForMaskedLM(TINY, 5));
    }

    @Test
    void gradientsThroughAttentionDropoutWithFixedMasks() {
        // Training mode with dropout on the attention probabilities only; reseeding before every evaluation fixes the
        // masks, so the finite differences see one function.
        BertConfig withAttentionDropout = BertConfig.builder().vocabSize(20).hiddenSize(8).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(16).hiddenDropout(0f).attentionDropout(0.2f).maxPositionEmbeddings(12).build();
        BertForMaskedLM model = new BertForMaskedLM(withAttentionDropout, 5);
        model.train();
        check(model);
        model.reseedDropout(SEED);
        double dropped = value(model, IDS, MASK, LABELS);
        model.eval();
        assertThat(value(model, IDS, MASK, LABELS)).as("eval mode has no attention dropout").isNotEqualTo(dropped);
    }

    static final long SEED = 11;
    static final int[] IDS = {1, 5, 7, 3, 9, 2, 1, 4, 6, 8, 0, 0};
    static final int[] MASK = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    static final int[] LABELS = {-100, 11, -100, 12, -100, -100, -100, 13, -100, 14, -100, -100};

    private static void check(BertForMaskedLM model) {
        int[] ids = IDS;
        int[] mask = MASK;
        int[] labels = LABELS;
        model.reseedDropout(SEED);
        Tensor loss = model.loss(ids, null, mask, labels, 2, 6);
        loss.backward();
        Map<String, Tensor> params = model.namedParameters();
        for (String name : new String[] {"bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
                "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.1.attention.self.key.bias",
                "bert.encoder.layer.0.attention.output.LayerNorm.weight", "bert.encoder.layer.1.intermediate.dense.weight",
                "bert.encoder.layer.1.output.dense.bias", "cls.predictions.transform.dense.weight", "cls.predictions.bias"}) {
            Tensor p = params.get(name);
            float[] analytic = p.grad().toArray();
            float[] data = p.data();
            for (int i = 0; i < Math.min(6, p.numel()); i++) {
                int at = p.offset() + i * Math.max(1, p.numel() / 6);
                int index = at - p.offset();
                float saved = data[at];
                double eps = 1e-2;
                data[at] = (float) (saved + eps);
                p.bumpVersion();
                double plus = value(model, ids, mask, labels);
                data[at] = (float) (saved - eps);
                p.bumpVersion();
                double minus = value(model, ids, mask, labels);
                data[at] = saved;
                p.bumpVersion();
                double numeric = (plus - minus) / (2 * eps);
                assertThat((double) analytic[index]).as("%s[%d]", name, index)
                        .isCloseTo(numeric, org.assertj.core.data.Offset.offset(2e-3 + 1e-2 * Math.abs(numeric)));
            }
        }
    }

    private static double value(BertForMaskedLM model, int[] ids, int[] mask, int[] labels) {
        model.reseedDropout(SEED);
        try (var off = GradMode.off()) {
            return model.loss(ids, null, mask, labels, 2, 6).item();
        }
    }
}
