package dev.jlm.models.bert;

import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Task heads save with the names Hugging Face's BERT classes use and load back with identical outputs. */
class BertHeadsTest {
    static final BertConfig TINY = BertConfig.builder().vocabSize(50).hiddenSize(16).numHiddenLayers(2).numAttentionHeads(2).intermediateSize(32).hiddenDropout(0f).attentionDropout(0f).maxPositionEmbeddings(24).build();
    static final int[] IDS = {2, 7, 9, 3, 0, 2, 5, 3, 0, 0};
    static final int[] MASK = {1, 1, 1, 1, 0, 1, 1, 1, 0, 0};
    static final org.assertj.core.data.Offset<Float> SAME = org.assertj.core.data.Offset.offset(1e-6f);

    @Test
    void maskedLmRoundTripWithHuggingFaceNames(@TempDir Path dir) throws IOException {
        BertForMaskedLM model = new BertForMaskedLM(TINY, 3);
        model.savePretrained(dir);
        try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertThat(st.entries().keySet()).contains("bert.embeddings.word_embeddings.weight",
                    "bert.encoder.layer.1.attention.self.query.weight", "bert.encoder.layer.0.attention.output.LayerNorm.bias",
                    "bert.encoder.layer.0.intermediate.dense.weight", "bert.encoder.layer.0.output.dense.weight",
                    "bert.encoder.layer.0.output.LayerNorm.weight", "cls.predictions.transform.dense.weight",
                    "cls.predictions.transform.LayerNorm.weight", "cls.predictions.bias")
                    .doesNotContain("cls.predictions.decoder.weight", "bert.pooler.dense.weight");
            assertThat(st.entries().get("bert.encoder.layer.0.intermediate.dense.weight").shape()).containsExactly(32, 16);
        }
        BertForMaskedLM loaded = BertForMaskedLM.fromPretrained(dir);
        // Same weights, same outputs up to float rounding: a kernel compiled by the JIT between the two calls may round
        // its last bit differently (SIMD exp), so equality is held to 1e-6, far below any real difference.
        assertThat(loaded.forward(IDS, null, MASK, 2, 5).toArray()).containsExactly(model.forward(IDS, null, MASK, 2, 5).toArray(), SAME);
        Bert encoderOnly = Bert.fromPretrained(dir);
        assertThat(encoderOnly.forward(IDS, null, MASK, 2, 5).toArray()).containsExactly(model.bert.forward(IDS, null, MASK, 2, 5).toArray(), SAME);
    }

    @Test
    void questionAnsweringAndClassificationHeads(@TempDir Path dir) throws IOException {
        BertForQuestionAnswering qa = new BertForQuestionAnswering(new Bert(TINY, false, 1), 2);
        qa.savePretrained(dir.resolve("qa"));
        try (SafeTensors st = SafeTensors.open(dir.resolve("qa/model.safetensors"))) {
            assertThat(st.entries().get("qa_outputs.weight").shape()).containsExactly(2, 16);
        }
        Tensor[] logits = BertForQuestionAnswering.fromPretrained(dir.resolve("qa")).forward(IDS, null, MASK, 2, 5);
        assertThat(logits[0].toArray()).containsExactly(qa.forward(IDS, null, MASK, 2, 5)[0].toArray(), SAME);
        Tensor loss = qa.loss(qa.forward(IDS, null, MASK, 2, 5), new int[] {1, 2}, new int[] {2, -100});
        loss.backward();
        assertThat(qa.qaOutputs.weight.grad()).isNotNull();

        BertForSequenceClassification cls = new BertForSequenceClassification(new Bert(TINY, true, 1), 4, true,
                BertForSequenceClassification.Pooling.CLS, 2);
        cls.eval();
        cls.savePretrained(dir.resolve("cls"));
        try (SafeTensors st = SafeTensors.open(dir.resolve("cls/model.safetensors"))) {
            assertThat(st.entries().keySet()).contains("bert.pooler.dense.weight", "classifier.weight", "classifier.bias");
        }
        Tensor out = cls.forward(IDS, null, MASK, 2, 5);
        assertThat(out.shape()).containsExactly(2, 4);
        cls.loss(out, Tensor.of(new float[] {1, 0, 0, 1, 0, 1, 0, 0}, 2, 4)).backward();
        assertThat(cls.classifier.weight.grad()).isNotNull();
    }

    @Test
    void meanPoolingAveragesRealTokensAndIsRecordedInTheConfig(@TempDir Path dir) throws IOException {
        BertForSequenceClassification cls = new BertForSequenceClassification(new Bert(TINY, false, 1), 3, true,
                BertForSequenceClassification.Pooling.MEAN, 2);
        cls.eval();
        // The second sequence alone (3 real tokens) must score as it does padded in the batch.
        float[] batched = cls.forward(IDS, null, MASK, 2, 5).toArray();
        float[] alone = cls.forward(new int[] {2, 5, 3}, null, null, 1, 3).toArray();
        assertThat(java.util.Arrays.copyOfRange(batched, 3, 6)).containsExactly(alone, SAME);

        float[] hidden = cls.bert.forward(IDS, null, MASK, 2, 5).toArray();
        float[] pooled = Bert.meanPool(Tensor.of(hidden, 2, 5, 16), MASK, 2, 5).toArray();
        for (int h = 0; h < 16; h++) {
            float expected = (hidden[5 * 16 + h] + hidden[6 * 16 + h] + hidden[7 * 16 + h]) / 3;
            assertThat(pooled[16 + h]).isCloseTo(expected, SAME);
        }

        cls.savePretrained(dir);
        assertThat(java.nio.file.Files.readString(dir.resolve("config.json")))
                .contains("\"classifier_pooling\" : \"mean\"", "\"problem_type\" : \"multi_label_classification\"");
        BertForSequenceClassification loaded = BertForSequenceClassification.fromPretrained(dir, true);
        assertThat(loaded.pooling).isEqualTo(BertForSequenceClassification.Pooling.MEAN);
        assertThat(loaded.bert.pooler).isNull();
        assertThat(loaded.forward(IDS, null, MASK, 2, 5).toArray()).containsExactly(batched, SAME);
    }

    @Test
    void tooLongInputIsAClearError() {
        Bert bert = new Bert(TINY, false, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bert.forward(new int[30], null, null, 1, 30))
                .hasMessageContaining("exceeds max_position_embeddings 24");
    }
}
