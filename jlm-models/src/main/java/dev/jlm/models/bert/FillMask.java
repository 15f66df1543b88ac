package dev.jlm.models.bert;

import dev.jlm.tensor.F;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Hugging Face's {@code FillMaskPipeline} for a text with one {@code [MASK]}: the most likely tokens there, each with
 * its probability and the text it makes.
 */
public final class FillMask {
    private static final String MASK_TOKEN = "[MASK]";

    /**
     * @param id       the token's id
     * @param token    the token as the vocabulary spells it (a word piece keeps its {@code ##})
     * @param score    its probability at the mask
     * @param sequence the text with the mask filled by it, special tokens dropped
     */
    public record Prediction(int id, String token, float score, String sequence) {
    }

    private final BertForMaskedLM model;
    private final Tokenizer tokenizer;
    private final int maskId;

    public FillMask(BertForMaskedLM model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.maskId = tokenizer.tokenToId(MASK_TOKEN);
        if (maskId < 0) {
            throw new IllegalArgumentException("the tokenizer has no " + MASK_TOKEN + " token");
        }
    }

    /** The masked-LM model predictions come from (to apply an adapter to). */
    public BertForMaskedLM model() {
        return model;
    }

    /** A directory holding a {@code BertForMaskedLM} checkpoint and its tokenizer. */
    public static FillMask fromPretrained(Path directory) throws IOException {
        try (SafeTensors weights = SafeTensors.open(directory.resolve("model.safetensors"))) {
            if (!weights.contains("cls.predictions.bias")) {
                throw new IllegalArgumentException(directory + " has no masked-LM head (cls.predictions.*); fill-mask needs a "
                        + "BertForMaskedLM");
            }
        }
        return new FillMask(BertForMaskedLM.fromPretrained(directory), Tokenizers.load(directory.toString()));
    }

    /** The {@code topK} most likely tokens at the text's {@code [MASK]}, most likely first. */
    public List<Prediction> fill(String text, int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be at least 1, got " + topK);
        }
        Encoding encoding = tokenizer.encode(text);
        int[] ids = encoding.ids();
        int[] masks = IntStream.range(0, ids.length).filter(i -> ids[i] == maskId).toArray();
        if (masks.length != 1) {
            throw new IllegalArgumentException(masks.length == 0 ? "the text has no " + MASK_TOKEN + " token"
                    : "the text has " + masks.length + " " + MASK_TOKEN + " tokens, fill-mask fills one");
        }
        int at = masks[0];
        float[] probabilities;
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var off = GradMode.off()) {
            Tensor logits = model.forward(ids, encoding.typeIds(), encoding.attentionMask(), 1, ids.length);
            probabilities = F.softmax(logits.select(1, at).select(0, 0), -1).toArray();
        } finally {
            model.train(wasTraining);
        }
        List<Prediction> predictions = new ArrayList<>();
        IntStream.range(0, probabilities.length).boxed()
                .sorted(Comparator.comparingDouble((Integer id) -> probabilities[id]).reversed())
                .limit(topK)
                .forEach(id -> {
                    int[] filled = ids.clone();
                    filled[at] = id;
                    predictions.add(new Prediction(id, tokenizer.idToToken(id), probabilities[id], tokenizer.decode(filled, true)));
                });
        return predictions;
    }
}
