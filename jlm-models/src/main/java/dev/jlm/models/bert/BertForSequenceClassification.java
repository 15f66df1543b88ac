package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hugging Face's {@code BertForSequenceClassification}: the pooled [CLS] state, dropout and a linear classifier;
 * single-label (softmax cross-entropy) or multi-label (sigmoid, binary cross-entropy).
 */
public final class BertForSequenceClassification extends Module {
    public final Bert bert;
    public final Dropout dropout;
    public final Linear classifier;
    public final boolean multiLabel;

    public BertForSequenceClassification(Bert encoder, int labels, boolean multiLabel, long seed) {
        if (encoder.pooler == null) {
            throw new IllegalArgumentException("sequence classification needs an encoder with a pooler");
        }
        SplittableRandom random = new SplittableRandom(seed);
        bert = child("bert", encoder);
        dropout = child("dropout", new Dropout(encoder.config.hiddenDropout(), random.split()));
        classifier = child("classifier", new Linear(encoder.config.hiddenSize(), labels, true, 0.02f, random));
        this.multiLabel = multiLabel;
    }

    /** Class logits [B, labels]. */
    public Tensor forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        Tensor hidden = bert.forward(ids, typeIds, attentionMask, batch, t);
        return classifier.forward(dropout.forward(bert.pool(hidden)));
    }

    /** Cross-entropy against one label per row (single-label). */
    public Tensor loss(Tensor logits, int[] labels) {
        return F.crossEntropy(logits, labels, -100);
    }

    /** Binary cross-entropy against a 0/1 matrix [B, labels] (multi-label). */
    public Tensor loss(Tensor logits, Tensor targets) {
        return F.binaryCrossEntropyWithLogits(logits, targets);
    }

    /** A fine-tuned model saved by {@link #savePretrained}: the encoder with its pooler and the classifier. */
    public static BertForSequenceClassification fromPretrained(Path directory, boolean multiLabel) throws IOException {
        Map<String, Tensor> state = Bert.readState(directory);
        Tensor weight = state.get("classifier.weight");
        if (weight == null || weight.dim() != 2 || !state.containsKey("classifier.bias")) {
            throw new IOException(directory.resolve("model.safetensors") + ": no classifier.weight/classifier.bias "
                    + "(not a sequence-classification model)");
        }
        BertForSequenceClassification model = new BertForSequenceClassification(Bert.fromPretrained(directory),
                weight.size(0), multiLabel, 0);
        model.classifier.weight.assign(weight);
        model.classifier.bias.assign(state.get("classifier.bias"));
        return model;
    }

    public void savePretrained(Path directory) throws IOException {
        bert.savePretrained(directory, "BertForSequenceClassification", "bert.",
                Map.of("classifier.weight", classifier.weight, "classifier.bias", classifier.bias));
    }
}
