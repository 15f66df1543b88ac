package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Linear;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Hugging Face's {@code BertForQuestionAnswering}: the encoder (no pooler) and a start/end span head. */
public final class BertForQuestionAnswering extends BertPreTrainedModel {
    public final Bert bert;
    public final Linear qaOutputs;

    /** A span head (N(0, 0.02), as HF initializes it) on top of an existing encoder, for fine-tuning. */
    public BertForQuestionAnswering(Bert encoder, long seed) {
        bert = child("bert", encoder);
        qaOutputs = child("qa_outputs", new Linear(encoder.config.hiddenSize(), 2, true, 0.02f, new SplittableRandom(seed)));
    }

    /**
     * Start and end logits, each [B, T]. Padding positions get {@value #PADDING_LOGIT}, so a span can never start or
     * end there and the loss's softmax ignores them.
     */
    public Tensor[] forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        Tensor logits = qaOutputs.forward(bert.forward(ids, typeIds, attentionMask, batch, t));
        Tensor start = logits.select(2, 0);
        Tensor end = logits.select(2, 1);
        if (attentionMask != null) {
            float[] padding = new float[batch * t];
            for (int i = 0; i < padding.length; i++) {
                padding[i] = attentionMask[i] == 0 ? 1f : 0f;
            }
            Tensor mask = Tensor.of(padding, batch, t);
            start = F.maskedFill(start, mask, PADDING_LOGIT);
            end = F.maskedFill(end, mask, PADDING_LOGIT);
        }
        return new Tensor[] {start, end};
    }

    /** The logit of padding positions: far below any real one, yet finite so sums of logits stay ordered. */
    public static final float PADDING_LOGIT = -10000f;

    /** HF's loss: the mean of the start and end cross-entropies. */
    public Tensor loss(Tensor[] logits, int[] starts, int[] ends) {
        return F.crossEntropy(logits[0], starts, -100).add(F.crossEntropy(logits[1], ends, -100)).mul(0.5f);
    }

    @Override
    public BertConfig config() {
        return bert.config;
    }

    @Override
    String architecture() {
        return "BertForQuestionAnswering";
    }

    public static BertForQuestionAnswering fromPretrained(Path directory) throws IOException {
        return fromPretrained(directory, (config, checkpoint) -> new BertForQuestionAnswering(new Bert(config, false, 0), 0));
    }
}
