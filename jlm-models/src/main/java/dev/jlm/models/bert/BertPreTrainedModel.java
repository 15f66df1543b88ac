package dev.jlm.models.bert;

import dev.jlm.models.PretrainedCheckpoint;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What Hugging Face's {@code BertPreTrainedModel} gives every BERT class: {@code savePretrained} in the layout the HF
 * class of the same name reads, and the one loading path their {@code fromPretrained} methods share. Tensor names are
 * the modules' own, so a head's checkpoint is its parameters as they are, the encoder's under {@code bert.}.
 */
public abstract sealed class BertPreTrainedModel extends Module
        permits Bert, BertForMaskedLM, BertForQuestionAnswering, BertForSequenceClassification {
    /** The name task models keep their encoder under (HF's {@code base_model_prefix}). */
    static final String BASE_MODEL_PREFIX = "bert.";

    /** Builds a model from a checkpoint's config, looking at its stored tensors where a head's size depends on them. */
    @FunctionalInterface
    interface Builder<M> {
        M build(BertConfig config, PretrainedCheckpoint checkpoint) throws IOException;
    }

    /** The encoder's hyper-parameters. */
    public abstract BertConfig config();

    /** The HF class this model is, written to {@code config.json}'s {@code architectures}. */
    abstract String architecture();

    /** A head's own {@code config.json} keys. */
    Map<String, String> configExtras() {
        return Map.of();
    }

    /** Writes {@code config.json} and {@code model.safetensors} (the tied decoder weight is stored once, as HF does). */
    public final void savePretrained(Path directory) throws IOException {
        PretrainedCheckpoint.save(directory, namedParameters(), file -> config().write(file, architecture(), configExtras()));
    }

    /** The model {@code build} makes from {@code directory}'s config, with every parameter read from its checkpoint. */
    static <M extends BertPreTrainedModel> M fromPretrained(Path directory, Builder<M> build) throws IOException {
        BertConfig config = BertConfig.read(PretrainedCheckpoint.configFile(directory));
        try (PretrainedCheckpoint checkpoint = PretrainedCheckpoint.open(directory)) {
            return checkpoint.load(build.build(config, checkpoint), BASE_MODEL_PREFIX);
        }
    }
}
