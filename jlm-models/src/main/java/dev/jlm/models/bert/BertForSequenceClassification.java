package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.JsonFiles;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Linear;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hugging Face's {@code BertForSequenceClassification}: a pooled sequence vector, dropout and a linear classifier;
 * single-label (softmax cross-entropy) or multi-label (sigmoid, binary cross-entropy). The vector is HF's pooler over
 * [CLS] or, for encoders trained as sentence embedders (all-MiniLM-L6-v2), the mean of the real tokens' states —
 * recorded in {@code config.json} as {@value #POOLING_KEY} (HF's class knows only the pooler).
 */
public final class BertForSequenceClassification extends BertPreTrainedModel {
    /** How the token states become the classifier's input. */
    public enum Pooling {
        /** HF's pooler: tanh(W·h[CLS] + b). */
        CLS,
        /** The mean of the real tokens' final states, as sentence-transformers pools. */
        MEAN
    }

    /** The config.json key naming the pooling ({@code cls} or {@code mean}); absent means {@code cls}. */
    public static final String POOLING_KEY = "classifier_pooling";

    public final Bert bert;
    public final Dropout dropout;
    public final Linear classifier;
    public final boolean multiLabel;
    public final Pooling pooling;

    public BertForSequenceClassification(Bert encoder, int labels, boolean multiLabel, Pooling pooling, long seed) {
        if (pooling == Pooling.CLS && encoder.pooler == null) {
            throw new IllegalArgumentException("[CLS] pooling needs an encoder with a pooler");
        }
        SplittableRandom random = new SplittableRandom(seed);
        bert = child("bert", encoder);
        dropout = child("dropout", new Dropout(encoder.config.hiddenDropout(), random.split()));
        classifier = child("classifier", new Linear(encoder.config.hiddenSize(), labels, true, 0.02f, random));
        this.multiLabel = multiLabel;
        this.pooling = pooling;
    }

    /**
     * Class logits [B, labels]. With a soft prompt the pooling sees the sequence as HF does with the prompt prepended:
     * [CLS] pooling reads the first virtual token, mean pooling averages the virtual and the real tokens.
     */
    public Tensor forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        Tensor hidden = bert.forward(ids, typeIds, attentionMask, batch, t);
        int virtual = bert.numVirtualTokens();
        int[] mask = attentionMask;
        if (virtual > 0 && attentionMask != null) {
            mask = new int[batch * (virtual + t)];
            for (int b = 0; b < batch; b++) {
                Arrays.fill(mask, b * (virtual + t), b * (virtual + t) + virtual, 1);
                System.arraycopy(attentionMask, b * t, mask, b * (virtual + t) + virtual, t);
            }
        }
        Tensor pooled = pooling == Pooling.MEAN ? Bert.meanPool(hidden, mask, batch, virtual + t) : bert.pool(hidden);
        return classifier.forward(dropout.forward(pooled));
    }

    /** Cross-entropy against one label per row (single-label). */
    public Tensor loss(Tensor logits, int[] labels) {
        return F.crossEntropy(logits, labels, -100);
    }

    /** Binary cross-entropy against a 0/1 matrix [B, labels] (multi-label). */
    public Tensor loss(Tensor logits, Tensor targets) {
        return F.binaryCrossEntropyWithLogits(logits, targets);
    }

    @Override
    public BertConfig config() {
        return bert.config;
    }

    @Override
    String architecture() {
        return "BertForSequenceClassification";
    }

    @Override
    Map<String, String> configExtras() {
        return Map.of(POOLING_KEY, pooling.name().toLowerCase(),
                "problem_type", multiLabel ? "multi_label_classification" : "single_label_classification");
    }

    /** A fine-tuned model saved by {@link #savePretrained}: the encoder (and its pooler) and the classifier. */
    public static BertForSequenceClassification fromPretrained(Path directory, boolean multiLabel) throws IOException {
        return fromPretrained(directory, (config, checkpoint) -> {
            Path configFile = checkpoint.configFile();
            String poolingName = JsonFiles.read(configFile).path(POOLING_KEY).asText("cls");
            Pooling pooling = switch (poolingName) {
                case "cls" -> Pooling.CLS;
                case "mean" -> Pooling.MEAN;
                default -> throw new IOException(configFile + ": " + POOLING_KEY + " is '" + poolingName + "', expected cls or mean");
            };
            Tensor classifier = checkpoint.contains("classifier.weight") && checkpoint.contains("classifier.bias")
                    ? checkpoint.tensor("classifier.weight") : null;
            if (classifier == null || classifier.dim() != 2) {
                throw new IOException(checkpoint.weightsFile() + ": no classifier.weight/classifier.bias "
                        + "(not a sequence-classification model)");
            }
            boolean storedPooler = checkpoint.storedName("pooler.dense.weight", BASE_MODEL_PREFIX) != null;
            if (pooling == Pooling.CLS && !storedPooler) {
                throw new IOException(checkpoint.weightsFile() + ": no bert.pooler weights for [CLS] pooling");
            }
            return new BertForSequenceClassification(new Bert(config, storedPooler, 0), classifier.size(0), multiLabel,
                    pooling, 0);
        });
    }
}
