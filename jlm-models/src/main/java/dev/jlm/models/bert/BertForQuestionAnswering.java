package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** Hugging Face's {@code BertForQuestionAnswering}: the encoder (no pooler) and a start/end span head. */
public final class BertForQuestionAnswering extends Module {
    public final Bert bert;
    public final Linear qaOutputs;

    /** A span head (N(0, 0.02), as HF initializes it) on top of an existing encoder, for fine-tuning. */
    public BertForQuestionAnswering(Bert encoder, long seed) {
        bert = child("bert", encoder);
        qaOutputs = child("qa_outputs", new Linear(encoder.config.hiddenSize(), 2, true, 0.02f, new SplittableRandom(seed)));
    }

    /** Start and end logits, each [B, T]. */
    public Tensor[] forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        Tensor logits = qaOutputs.forward(bert.forward(ids, typeIds, attentionMask, batch, t));
        return new Tensor[] {logits.select(2, 0), logits.select(2, 1)};
    }

    /** HF's loss: the mean of the start and end cross-entropies. */
    public Tensor loss(Tensor[] logits, int[] starts, int[] ends) {
        return F.crossEntropy(logits[0], starts, -100).add(F.crossEntropy(logits[1], ends, -100)).mul(0.5f);
    }

    public static BertForQuestionAnswering fromPretrained(Path directory) throws IOException {
        BertConfig config = BertConfig.read(directory.resolve("config.json"));
        BertForQuestionAnswering model = new BertForQuestionAnswering(new Bert(config, false, 0), 0);
        try {
            model.loadStateDict(Bert.readState(directory), false);
        } catch (IllegalArgumentException e) {
            throw new IOException(directory.resolve("model.safetensors") + ": " + e.getMessage());
        }
        return model;
    }

    public void savePretrained(Path directory) throws IOException {
        bert.savePretrained(directory, "BertForQuestionAnswering", "bert.",
                Map.of("qa_outputs.weight", qaOutputs.weight, "qa_outputs.bias", qaOutputs.bias));
    }
}
