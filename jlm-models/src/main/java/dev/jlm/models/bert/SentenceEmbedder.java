package dev.jlm.models.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sentence embeddings the sentence-transformers way: BERT's final hidden states pooled over the real tokens
 * (mean over the attention mask, or the [CLS] state), optionally L2-normalized.
 */
public final class SentenceEmbedder {
    /** How token states become one vector. */
    public enum Pooling { MEAN, CLS }

    /** The pooling settings file jlm keeps next to a model ({@code sentence_pooling.json}). */
    public static final String POOLING_FILE = "sentence_pooling.json";

    private final Bert model;
    private final Tokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;

    public SentenceEmbedder(Bert model, Tokenizer tokenizer, Pooling pooling, boolean normalize) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        model.eval();
    }

    /** A model directory with its tokenizer; pooling from {@code sentence_pooling.json} (default: mean, normalized). */
    public static SentenceEmbedder load(Path directory) throws IOException {
        Pooling pooling = Pooling.MEAN;
        boolean normalize = true;
        Path settings = directory.resolve(POOLING_FILE);
        if (Files.isRegularFile(settings)) {
            JsonNode node = new ObjectMapper().readTree(settings.toFile());
            pooling = Pooling.valueOf(node.path("pooling").asText("mean").toUpperCase());
            normalize = node.path("normalize").asBoolean(true);
        }
        return new SentenceEmbedder(Bert.fromPretrained(directory), Tokenizers.load(directory.toString()), pooling, normalize);
    }

    public Bert model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Embeddings of {@code texts}, in input order. Like sentence-transformers' {@code encode}, the texts are batched
     * longest first, so that each batch of {@code batchSize} holds texts of similar length and little padding. A text
     * longer than the model's positions is an error unless {@code truncate}.
     */
    public float[][] embed(List<String> texts, int batchSize, boolean truncate) {
        int max = model.config.maxPositionEmbeddings();
        EncodeOptions options = truncate ? EncodeOptions.DEFAULT.withMaxLength(max, EncodeOptions.Truncation.LONGEST_FIRST)
                : EncodeOptions.DEFAULT;
        List<Encoding> encodings = tokenizer.encodeBatch(texts, options);
        for (int i = 0; i < encodings.size(); i++) {
            if (encodings.get(i).length() > max) {
                throw new IllegalArgumentException("text " + i + " has " + encodings.get(i).length()
                        + " tokens, more than the model's " + max + " positions (ask for truncation)");
            }
        }
        Integer[] longestFirst = lengthOrder(encodings);
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < longestFirst.length; start += batchSize) {
            List<Integer> batch = Arrays.asList(longestFirst).subList(start, Math.min(longestFirst.length, start + batchSize));
            float[][] vectors = embedEncoded(batch.stream().map(encodings::get).toList());
            for (int i = 0; i < vectors.length; i++) {
                out[batch.get(i)] = vectors[i];
            }
        }
        return out;
    }

    /** Indices of the encodings, longest first (ties in input order). */
    public static Integer[] lengthOrder(List<Encoding> encodings) {
        Integer[] order = new Integer[encodings.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> encodings.get(i).length()).reversed());
        return order;
    }

    /** Final hidden states [B, T, H] and attention mask of a padded batch. */
    public record Batch(Tensor hidden, int[] mask, int batch, int length) {
    }

    /** Runs the encoder on a padded batch of encodings. */
    public Batch encode(List<Encoding> encodings) {
        int batch = encodings.size();
        int length = encodings.stream().mapToInt(Encoding::length).max().orElse(0);
        if (length > model.config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("a text has " + length + " tokens, more than the model's "
                    + model.config.maxPositionEmbeddings() + " positions (ask for truncation)");
        }
        int[] ids = new int[batch * length];
        int[] types = new int[batch * length];
        int[] mask = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            Encoding e = encodings.get(b);
            System.arraycopy(e.ids(), 0, ids, b * length, e.length());
            System.arraycopy(e.typeIds(), 0, types, b * length, e.length());
            System.arraycopy(e.attentionMask(), 0, mask, b * length, e.length());
        }
        return new Batch(model.forward(ids, types, mask, batch, length), mask, batch, length);
    }

    private float[][] embedEncoded(List<Encoding> encodings) {
        try (var off = GradMode.off(); var scope = Memory.scope()) {
            Batch out = encode(encodings);
            return pool(out);
        }
    }

    /** Pools each sequence of a batch into one vector (copied out, safe after the batch's memory scope). */
    public float[][] pool(Batch out) {
        int hiddenSize = model.config.hiddenSize();
        float[] pooled = pooling == Pooling.MEAN
                ? Bert.meanPool(out.hidden(), out.mask(), out.batch(), out.length()).toArray()
                : out.hidden().select(1, 0).contiguous().toArray();
        float[][] vectors = new float[out.batch()][];
        for (int b = 0; b < out.batch(); b++) {
            float[] v = Arrays.copyOfRange(pooled, b * hiddenSize, (b + 1) * hiddenSize);
            vectors[b] = v;
            if (normalize) {
                double norm = 0;
                for (float x : v) {
                    norm += (double) x * x;
                }
                float scale = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
                for (int h = 0; h < hiddenSize; h++) {
                    v[h] *= scale;
                }
            }
        }
        return vectors;
    }

    /** Cosine similarity of two vectors. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
