package dev.jlm.models.bert;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A small random masked-LM BERT over bert-base-uncased's vocabulary, its outputs checked against the logits themselves. */
class FillMaskTest {
    static final String TEXT = "the capital of france is [MASK].";
    static Tokenizer tokenizer;
    static BertForMaskedLM model;

    @BeforeAll
    static void model(@TempDir Path dir) throws IOException {
        tokenizer = Tokenizers.load("bert-base-uncased");
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "bert", "vocab_size": %d, "hidden_size": 16, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 32, "hidden_dropout_prob": 0.0,
                 "attention_probs_dropout_prob": 0.0, "max_position_embeddings": 64}""".formatted(tokenizer.vocabSize()));
        model = new BertForMaskedLM(BertConfig.read(dir.resolve("config.json")), 5);
    }

    @Test
    void scoresAreTheSoftmaxAtTheMaskMostLikelyFirst() {
        List<FillMask.Prediction> predictions = new FillMask(model, tokenizer).fill(TEXT, 5);
        assertThat(predictions).hasSize(5);
        Encoding e = tokenizer.encode(TEXT);
        int at = 6; // [CLS] the capital of france is [MASK]
        assertThat(e.ids()[at]).isEqualTo(tokenizer.tokenToId("[MASK]"));
        float[] logits;
        try (var off = GradMode.off()) {
            logits = model.forward(e.ids(), e.typeIds(), e.attentionMask(), 1, e.length()).select(1, at).select(0, 0).toArray();
        }
        double total = 0;
        for (float v : logits) {
            total += Math.exp(v);
        }
        int best = 0;
        for (int id = 1; id < logits.length; id++) {
            best = logits[id] > logits[best] ? id : best;
        }
        assertThat(predictions.getFirst().id()).isEqualTo(best);
        for (int i = 0; i < predictions.size(); i++) {
            FillMask.Prediction p = predictions.get(i);
            assertThat((double) p.score()).as("score of %s", p.token()).isCloseTo(Math.exp(logits[p.id()]) / total, within(1e-6));
            assertThat(p.token()).isEqualTo(tokenizer.idToToken(p.id()));
            if (i > 0) {
                assertThat(p.score()).isLessThanOrEqualTo(predictions.get(i - 1).score());
            }
        }
    }

    @Test
    void theMostLikelyTokenFillsTheTextWhereTheMaskWas() {
        int paris = tokenizer.tokenToId("paris");
        float before = model.cls.predictions.bias.get(paris);
        model.cls.predictions.bias.set(before + 30f, paris);
        try {
            FillMask.Prediction top = new FillMask(model, tokenizer).fill(TEXT, 1).getFirst();
            assertThat(top.token()).isEqualTo("paris");
            assertThat(top.score()).isGreaterThan(0.99f);
            assertThat(top.sequence()).isEqualTo("the capital of france is paris.");
        } finally {
            model.cls.predictions.bias.set(before, paris);
        }
    }

    @Test
    void loadsASavedMaskedLmWithItsTokenizerAndRefusesAModelWithoutTheHead(@TempDir Path dir) throws IOException {
        Path saved = dir.resolve("mlm");
        model.savePretrained(saved);
        tokenizer.save(saved);
        List<FillMask.Prediction> expected = new FillMask(model, tokenizer).fill(TEXT, 3);
        List<FillMask.Prediction> loaded = FillMask.fromPretrained(saved).fill(TEXT, 3);
        assertThat(loaded).extracting(FillMask.Prediction::id).isEqualTo(expected.stream().map(FillMask.Prediction::id).toList());

        Path headless = dir.resolve("encoder");
        Files.createDirectories(headless);
        SafeTensors.write(headless.resolve("model.safetensors"), Map.of("bert.embeddings.word_embeddings.weight",
                Tensor.zeros(4, 2)), Map.of());
        assertThatThrownBy(() -> FillMask.fromPretrained(headless)).hasMessage(headless
                + " has no masked-LM head (cls.predictions.*); fill-mask needs a BertForMaskedLM");
    }

    @Test
    void aTextNeedsExactlyOneMask() {
        FillMask fillMask = new FillMask(model, tokenizer);
        assertThatThrownBy(() -> fillMask.fill("no mask here", 5)).hasMessage("the text has no [MASK] token");
        assertThatThrownBy(() -> fillMask.fill("[MASK] and [MASK]", 5)).hasMessage("the text has 2 [MASK] tokens, fill-mask fills one");
        assertThatThrownBy(() -> fillMask.fill(TEXT, 0)).hasMessage("top-k must be at least 1, got 0");
    }
}
