package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Embedding;
import dev.jlm.tensor.nn.LayerNorm;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Hugging Face's {@code BertForMaskedLM}: the encoder (no pooler) and {@code cls.predictions} — dense, activation,
 * LayerNorm, then a decoder tied to the word embeddings plus a bias over the vocabulary.
 */
public final class BertForMaskedLM extends BertPreTrainedModel {
    public final Bert bert;
    public final OnlyMlmHead cls;

    public BertForMaskedLM(BertConfig config, long seed) {
        this(new Bert(config, false, seed), new SplittableRandom(seed + 1));
    }

    private BertForMaskedLM(Bert encoder, SplittableRandom random) {
        bert = child("bert", encoder);
        cls = child("cls", new OnlyMlmHead(encoder, random));
    }

    /** HF's {@code BertOnlyMLMHead}: the prediction head alone ({@code cls.predictions}). */
    public static final class OnlyMlmHead extends Module {
        public final LmPredictionHead predictions;

        OnlyMlmHead(Bert encoder, SplittableRandom random) {
            predictions = child("predictions", new LmPredictionHead(encoder, random));
        }
    }

    /** HF's {@code BertLMPredictionHead}: transform, then the tied decoder (hᵀ·word embeddings) plus a bias. */
    public static final class LmPredictionHead extends Module {
        public final PredictionHeadTransform transform;
        public final Tensor bias;
        /** The word embeddings [V, H], tied (HF's {@code tie_weights}): saved once, under the embedding's name. */
        private final Embedding decoder;

        LmPredictionHead(Bert encoder, SplittableRandom random) {
            transform = child("transform", new PredictionHeadTransform(encoder.config, random));
            bias = parameter("bias", Tensor.zeros(encoder.config.vocabSize()));
            decoder = encoder.embeddings.wordEmbeddings;
        }

        Tensor forward(Tensor hidden) {
            return decoder.attend(transform.forward(hidden)).add(bias);
        }
    }

    /** HF's {@code BertPredictionHeadTransform}: LN(act(dense(h))). */
    public static final class PredictionHeadTransform extends Module {
        public final Linear dense;
        public final LayerNorm layerNorm;
        private final F.Activation act;

        PredictionHeadTransform(BertConfig c, SplittableRandom random) {
            dense = child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
            layerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
            act = F.Activation.named(c.hiddenAct());
        }

        Tensor forward(Tensor hidden) {
            return layerNorm.forward(dense.forward(hidden, act));
        }
    }

    /** Vocabulary logits [B, T, V]. */
    public Tensor forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        return logits(bert.forward(ids, typeIds, attentionMask, batch, t));
    }

    /** Vocabulary logits of final hidden states. */
    public Tensor logits(Tensor hidden) {
        return cls.predictions.forward(hidden);
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

    @Override
    public BertConfig config() {
        return bert.config;
    }

    @Override
    String architecture() {
        return "BertForMaskedLM";
    }

    /** Reads the HF {@code BertForMaskedLM} layout (a stored copy of the tied decoder weight is ignored). */
    public static BertForMaskedLM fromPretrained(Path directory) throws IOException {
        return fromPretrained(directory, (config, checkpoint) -> new BertForMaskedLM(config, 0));
    }
}
