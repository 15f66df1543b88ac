package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.LayerNorm;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hugging Face's {@code BertForMaskedLM}: the encoder (no pooler) and {@code cls.predictions} — dense, activation,
 * LayerNorm, then a decoder tied to the word embeddings plus a bias over the vocabulary.
 */
public final class BertForMaskedLM extends Module {
    public final Bert bert;
    public final Linear transform;
    public final LayerNorm transformNorm;
    public final Tensor bias;

    public BertForMaskedLM(BertConfig config, long seed) {
        this(new Bert(config, false, seed), new SplittableRandom(seed + 1));
    }

    private BertForMaskedLM(Bert encoder, SplittableRandom random) {
        BertConfig c = encoder.config;
        bert = child("bert", encoder);
        Bert.Group predictions = child("cls", new Bert.Group()).add("predictions", new Bert.Group());
        Bert.Group transformGroup = predictions.add("transform", new Bert.Group());
        transform = transformGroup.add("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
        transformNorm = transformGroup.add("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
        bias = predictions.addParameter("bias", Tensor.zeros(c.vocabSize()));
    }

    /** Vocabulary logits [B, T, V]. */
    public Tensor forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        return logits(bert.forward(ids, typeIds, attentionMask, batch, t));
    }

    public Tensor logits(Tensor hidden) {
        Tensor h = transformNorm.forward(Bert.activation(bert.config.hiddenAct(), transform.forward(hidden)));
        return h.matmul(bert.embeddings.wordEmbeddings.weight.transpose(0, 1)).add(bias);
    }

    /** Mean cross-entropy over positions whose label is not -100 (HF's convention). */
    public Tensor loss(int[] ids, int[] typeIds, int[] attentionMask, int[] labels, int batch, int t) {
        Prediction p = predictMasked(ids, typeIds, attentionMask, labels, batch, t);
        return F.crossEntropy(p.logits(), p.labels(), -100);
    }

    /** Vocabulary logits [n, V] of the n labelled positions, with their labels. */
    public record Prediction(Tensor logits, int[] labels) {
    }

    /**
     * The head applied only to positions that carry a label (≈15% of them): the same loss as over every position,
     * at a fraction of the vocabulary-sized matrix products.
     */
    public Prediction predictMasked(int[] ids, int[] typeIds, int[] attentionMask, int[] labels, int batch, int t) {
        Tensor hidden = bert.forward(ids, typeIds, attentionMask, batch, t);
        int count = 0;
        for (int label : labels) {
            count += label != -100 ? 1 : 0;
        }
        int[] rows = new int[Math.max(count, 1)];
        int[] kept = new int[rows.length];
        java.util.Arrays.fill(kept, -100);
        for (int i = 0, n = 0; i < labels.length; i++) {
            if (labels[i] != -100) {
                rows[n] = i;
                kept[n++] = labels[i];
            }
        }
        // Gathering rows is an embedding lookup into the hidden states (its backward scatters the gradient back).
        Tensor selected = F.embedding(hidden.reshape(batch * t, bert.config.hiddenSize()), rows, rows.length);
        return new Prediction(logits(selected), kept);
    }

    public static BertForMaskedLM fromPretrained(Path directory) throws IOException {
        BertConfig config = BertConfig.read(directory.resolve("config.json"));
        BertForMaskedLM model = new BertForMaskedLM(config, 0);
        Map<String, Tensor> state = new LinkedHashMap<>(Bert.readState(directory));
        // The decoder weight is the word embedding (tied); checkpoints may or may not store the copy.
        state.remove("cls.predictions.decoder.weight");
        state.remove("cls.predictions.decoder.bias");
        try {
            model.loadStateDict(state, false);
        } catch (IllegalArgumentException e) {
            throw new IOException(directory.resolve("model.safetensors") + ": " + e.getMessage());
        }
        return model;
    }

    /** Writes the HF {@code BertForMaskedLM} layout (tied decoder weight omitted, as HF saves it). */
    public void savePretrained(Path directory) throws IOException {
        bert.savePretrained(directory, "BertForMaskedLM", "bert.", Map.of(
                "cls.predictions.transform.dense.weight", transform.weight,
                "cls.predictions.transform.dense.bias", transform.bias,
                "cls.predictions.transform.LayerNorm.weight", transformNorm.weight,
                "cls.predictions.transform.LayerNorm.bias", transformNorm.bias,
                "cls.predictions.bias", bias), Map.of());
    }
}
