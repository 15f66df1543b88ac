package dev.jlm.models.bert;

import dev.jlm.models.PretrainedCheckpoint;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Embedding;
import dev.jlm.tensor.nn.LayerNorm;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * BERT's encoder as Hugging Face's {@code BertModel}: word + position + token-type embeddings and LayerNorm,
 * post-norm layers of self-attention and a GELU MLP, and an optional tanh pooler over {@code [CLS]}. Each part is a
 * class named after HF's ({@code BertSelfAttention} is {@link SelfAttention}, …), so a parameter's name leads to its
 * class: {@code encoder.layer.0.attention.output.dense.weight} is {@link Encoder} → {@link Layer} → {@link Attention}
 * → {@link SelfOutput}'s dense projection.
 */
public final class Bert extends BertPreTrainedModel {
    public final BertConfig config;
    public final Embeddings embeddings;
    public final Encoder encoder;
    public final Pooler pooler;
    /** Prompt tuning's virtual-token embeddings [n, H], fed before every sequence; null without them. */
    private Embedding promptEncoder;

    /** A randomly initialized BERT (N(0, 0.02) weights, as HF's {@code _init_weights}). */
    public Bert(BertConfig config, boolean withPooler, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        this.config = config;
        this.embeddings = child("embeddings", new Embeddings(config, random));
        this.encoder = child("encoder", new Encoder(config, random));
        this.pooler = withPooler ? child("pooler", new Pooler(config, random)) : null;
    }

    /** HF's {@code BertEmbeddings}: token, position and segment embeddings, summed and normalized. */
    public static final class Embeddings extends Module {
        public final Embedding wordEmbeddings;
        public final Embedding positionEmbeddings;
        public final Embedding tokenTypeEmbeddings;
        public final LayerNorm layerNorm;
        public final Dropout dropout;

        Embeddings(BertConfig c, SplittableRandom random) {
            wordEmbeddings = child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize(), 0.02f, random));
            positionEmbeddings = child("position_embeddings", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize(), 0.02f, random));
            tokenTypeEmbeddings = child("token_type_embeddings", new Embedding(c.typeVocabSize(), c.hiddenSize(), 0.02f, random));
            layerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
            dropout = child("dropout", new Dropout(c.hiddenDropout(), random.split()));
        }

        Tensor forward(int[] ids, int[] typeIds, int batch, int t) {
            int[] positions = new int[batch * t];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i % t;
            }
            return forwardTokens(ids, typeIds != null ? typeIds : new int[batch * t], positions).reshape(batch, t, -1);
        }

        /** Embeddings [N, H] of N tokens given with their segment ids and positions. */
        Tensor forwardTokens(int[] ids, int[] typeIds, int[] positions) {
            return forwardWords(wordEmbeddings.forward(ids, ids.length), typeIds, positions);
        }

        /** Embeddings [N, H] of N word vectors (HF's {@code inputs_embeds}) given with their segment ids and positions. */
        Tensor forwardWords(Tensor words, int[] typeIds, int[] positions) {
            int n = positions.length;
            Tensor x = words.add(tokenTypeEmbeddings.forward(typeIds, n)).add(positionEmbeddings.forward(positions, n));
            return dropout.forward(layerNorm.forward(x));
        }
    }

    /** HF's {@code BertEncoder}: the stack of layers ({@code encoder.layer.N}). */
    public static final class Encoder extends Module {
        public final List<Layer> layer;

        Encoder(BertConfig c, SplittableRandom random) {
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                layers.add(new Layer(c, random));
            }
            layer = children("layer", layers);
        }

        /** Hidden states [B, T, H] through every layer. */
        Tensor forward(Tensor x) {
            for (Layer l : layer) {
                x = l.forward(x);
            }
            return x;
        }

        /** The real tokens [N, H] of sequences of the given lengths, laid end to end, through every layer. */
        Tensor forwardUnpadded(Tensor x, int[] lengths) {
            for (Layer l : layer) {
                x = l.forwardUnpadded(x, lengths);
            }
            return x;
        }
    }

    /** HF's {@code BertLayer}, post-norm: h = LN(x + attention(x)), then LN(h + mlp(h)). */
    public static final class Layer extends Module {
        public final Attention attention;
        public final Intermediate intermediate;
        public final Output output;

        Layer(BertConfig c, SplittableRandom random) {
            attention = child("attention", new Attention(c, random));
            intermediate = child("intermediate", new Intermediate(c, random));
            output = child("output", new Output(c, random));
        }

        Tensor forward(Tensor x) {
            Tensor h = attention.forward(x);
            return output.forward(intermediate.forward(h), h);
        }

        /** The same layer over the real tokens [N, H] of sequences of the given lengths, laid end to end. */
        Tensor forwardUnpadded(Tensor x, int[] lengths) {
            Tensor h = attention.forwardUnpadded(x, lengths);
            return output.forward(intermediate.forward(h), h);
        }
    }

    /** HF's {@code BertAttention}: self-attention, then its output projection, residual and LayerNorm. */
    public static final class Attention extends Module {
        public final SelfAttention self;
        public final SelfOutput output;

        Attention(BertConfig c, SplittableRandom random) {
            self = child("self", new SelfAttention(c, random));
            output = child("output", new SelfOutput(c, random));
        }

        Tensor forward(Tensor x) {
            return output.forward(self.forward(x), x);
        }

        Tensor forwardUnpadded(Tensor x, int[] lengths) {
            return output.forward(self.forwardUnpadded(x, lengths), x);
        }
    }

    /**
     * HF's {@code BertSelfAttention}: multi-head dropout(softmax(Q·Kᵀ/√d))·V, the heads concatenated; the dropout
     * ({@code attention_probs_dropout_prob}) acts on the attention probabilities, in training only.
     */
    public static final class SelfAttention extends Module {
        public final Linear query;
        public final Linear key;
        public final Linear value;
        public final Dropout dropout;
        private final int heads;

        SelfAttention(BertConfig c, SplittableRandom random) {
            query = child("query", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
            key = child("key", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
            value = child("value", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
            dropout = child("dropout", new Dropout(c.attentionDropout(), random.split()));
            heads = c.numAttentionHeads();
        }

        /** Context vectors [B, T, H] of hidden states [B, T, H]. */
        Tensor forward(Tensor x) {
            int b = x.size(0);
            int t = x.size(1);
            int h = x.size(2);
            Tensor q = query.forward(x).reshape(b, t, heads, h / heads).transpose(1, 2);
            Tensor k = key.forward(x).reshape(b, t, heads, h / heads).transpose(1, 2);
            Tensor v = value.forward(x).reshape(b, t, heads, h / heads).transpose(1, 2);
            return dropout.attention(q, k, v, false).transpose(1, 2).reshape(b, t, h);
        }

        /** Context vectors [N, H] of sequences of the given lengths laid end to end, each attending to itself alone. */
        Tensor forwardUnpadded(Tensor x, int[] lengths) {
            return dropout.attention(query.forward(x), key.forward(x), value.forward(x), heads, lengths);
        }
    }

    /** HF's {@code BertSelfOutput}: LN(input + dropout(dense(context))). */
    public static final class SelfOutput extends Module {
        public final Linear dense;
        public final LayerNorm layerNorm;
        public final Dropout dropout;

        SelfOutput(BertConfig c, SplittableRandom random) {
            dense = child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
            layerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
            dropout = child("dropout", new Dropout(c.hiddenDropout(), random.split()));
        }

        Tensor forward(Tensor context, Tensor input) {
            return layerNorm.forward(dropout.forward(dense.forward(context)), input);
        }
    }

    /** HF's {@code BertIntermediate}: act(dense(h)), {@code intermediate_size} wide. */
    public static final class Intermediate extends Module {
        public final Linear dense;
        private final F.Activation act;

        Intermediate(BertConfig c, SplittableRandom random) {
            dense = child("dense", new Linear(c.hiddenSize(), c.intermediateSize(), true, 0.02f, random));
            act = F.Activation.named(c.hiddenAct());
        }

        Tensor forward(Tensor h) {
            return dense.forward(h, act);
        }
    }

    /** HF's {@code BertOutput}: LN(input + dropout(dense(inner))), back to {@code hidden_size}. */
    public static final class Output extends Module {
        public final Linear dense;
        public final LayerNorm layerNorm;
        public final Dropout dropout;

        Output(BertConfig c, SplittableRandom random) {
            dense = child("dense", new Linear(c.intermediateSize(), c.hiddenSize(), true, 0.02f, random));
            layerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
            dropout = child("dropout", new Dropout(c.hiddenDropout(), random.split()));
        }

        Tensor forward(Tensor inner, Tensor input) {
            return layerNorm.forward(dropout.forward(dense.forward(inner)), input);
        }
    }

    /** HF's {@code BertPooler}: tanh(W·h[CLS] + b). */
    public static final class Pooler extends Module {
        public final Linear dense;

        Pooler(BertConfig c, SplittableRandom random) {
            dense = child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true, 0.02f, random));
        }

        Tensor forward(Tensor hidden) {
            return F.tanh(dense.forward(hidden.select(1, 0)));
        }
    }

    /**
     * Feeds the rows of {@code prompt} ([n, H], prompt tuning's soft prompt) as n virtual tokens before every
     * sequence, as PEFT prepends them to {@code inputs_embeds}: positions 0..n−1, segment 0, always attended; the
     * real tokens follow at positions n, n+1…. Null removes them. Registered as the child {@code prompt_encoder} so its
     * weight trains with the model's other parameters.
     */
    public void prependVirtualTokens(Embedding prompt) {
        if (prompt != null && prompt.weight.size(1) != config.hiddenSize()) {
            throw new IllegalArgumentException("virtual tokens of width " + prompt.weight.size(1) + " for a model of width "
                    + config.hiddenSize());
        }
        if (prompt != null && prompt.weight.size(0) >= config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(prompt.weight.size(0) + " virtual tokens leave no room in max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        if (promptEncoder != null) {
            removeChild("prompt_encoder");
        }
        promptEncoder = prompt == null ? null : child("prompt_encoder", prompt);
    }

    /** The virtual tokens fed before every sequence (0 without prompt tuning). */
    public int numVirtualTokens() {
        return promptEncoder == null ? 0 : promptEncoder.weight.size(0);
    }

    /**
     * Final hidden states [B, T, H] for a [B, T] batch; {@code attentionMask} (1 = token, 0 = padding) and
     * {@code typeIds} may be null. A padded batch runs on its real tokens only — every layer but attention works
     * token by token, and attention runs on the sequences packed end to end — so padding costs nothing; padded
     * positions come back as zeros. With n virtual tokens the states are [B, n + T, H], the virtual tokens' first, as
     * HF returns them for {@code inputs_embeds} with the prompt prepended.
     */
    public Tensor forward(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        int virtual = numVirtualTokens();
        if (virtual + t > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + t + " tokens exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings() + (virtual > 0 ? " less " + virtual + " virtual tokens" : "") + " (truncate it)");
        }
        if (virtual > 0 || attentionMask != null && Arrays.stream(attentionMask).anyMatch(m -> m == 0)) {
            return forwardUnpadded(ids, typeIds, attentionMask, batch, t);
        }
        return encoder.forward(embeddings.forward(ids, typeIds, batch, t));
    }

    private Tensor forwardUnpadded(int[] ids, int[] typeIds, int[] attentionMask, int batch, int t) {
        int virtual = numVirtualTokens();
        int width = virtual + t;
        int realCount = attentionMask == null ? batch * t : (int) Arrays.stream(attentionMask).filter(m -> m != 0).count();
        int n = realCount + batch * virtual;
        int[] realIds = new int[realCount];
        // Row r of the sequence laid end to end reads word vector rows[r]: a real token's (< realCount) or a virtual one's.
        int[] rows = new int[n];
        int[] types = new int[n];
        int[] positions = new int[n];
        int[] lengths = new int[batch];
        int[] slot = new int[batch * width];
        for (int b = 0, k = 0, real = 0; b < batch; b++) {
            for (int i = 0; i < virtual; i++) {
                rows[k] = realCount + i;
                positions[k] = i;
                slot[b * width + i] = k++;
                lengths[b]++;
            }
            for (int j = 0; j < t; j++) {
                int at = b * t + j;
                if (attentionMask != null && attentionMask[at] == 0) {
                    slot[b * width + virtual + j] = n;
                    continue;
                }
                realIds[real] = ids[at];
                rows[k] = real++;
                types[k] = typeIds == null ? 0 : typeIds[at];
                positions[k] = virtual + j;
                slot[b * width + virtual + j] = k++;
                lengths[b]++;
            }
        }
        Tensor words = wordVectors(realIds, rows);
        Tensor x = encoder.forwardUnpadded(embeddings.forwardWords(words, types, positions), lengths);
        // Back to [B, width, H]: gather rows of the tokens plus one zero row that every padded position reads.
        Tensor withZero = F.concat(List.of(x, Tensor.zeros(1, config.hiddenSize())), 0);
        return F.embedding(withZero, slot, batch, width);
    }

    /** Word vectors [N, H] in {@code rows} order: rows below {@code realIds.length} are those ids', the rest virtual tokens. */
    private Tensor wordVectors(int[] realIds, int[] rows) {
        Tensor real = embeddings.wordEmbeddings.forward(realIds, realIds.length);
        if (promptEncoder == null) {
            return real;
        }
        return F.embedding(F.concat(List.of(real, promptEncoder.weight), 0), rows, rows.length);
    }

    /** The pooler's output [B, H] for final hidden states. */
    public Tensor pool(Tensor hidden) {
        if (pooler == null) {
            throw new IllegalStateException("this model has no pooler");
        }
        return pooler.forward(hidden);
    }

    /**
     * The mean of each sequence's final hidden states over its real tokens (sentence-transformers' mean pooling):
     * [B, T, H] and a [B, T] attention mask (null: every token counts) give [B, H].
     */
    public static Tensor meanPool(Tensor hidden, int[] attentionMask, int batch, int t) {
        float[] weights = new float[batch * t];
        for (int b = 0; b < batch; b++) {
            int count = 0;
            for (int j = 0; j < t; j++) {
                count += attentionMask == null || attentionMask[b * t + j] != 0 ? 1 : 0;
            }
            for (int j = 0; j < t; j++) {
                boolean real = attentionMask == null || attentionMask[b * t + j] != 0;
                weights[b * t + j] = real ? 1f / count : 0f;
            }
        }
        // Each sequence's weights [1, T] times its states [T, H]: one batched product.
        return Tensor.of(weights, batch, 1, t).matmul(hidden).reshape(batch, -1);
    }

    // ---------------------------------------------------------------- checkpoints

    @Override
    public BertConfig config() {
        return config;
    }

    @Override
    String architecture() {
        return "BertModel";
    }

    /**
     * Loads a Hugging Face BERT directory into a bare encoder. Names may carry the {@code bert.} prefix (task
     * models) or not (BertModel); a pooler is loaded when present.
     */
    public static Bert fromPretrained(Path directory) throws IOException {
        return fromPretrained(directory, false, 0);
    }

    /**
     * {@link #fromPretrained(Path)}, and with {@code needsPooler} a pooler even when the checkpoint has none — freshly
     * initialized from {@code seed}, as Hugging Face does when a classification model is loaded from an encoder-only
     * checkpoint (all-MiniLM-L6-v2's, for one).
     */
    public static Bert fromPretrained(Path directory, boolean needsPooler, long seed) throws IOException {
        BertConfig config = BertConfig.read(PretrainedCheckpoint.configFile(directory));
        try (PretrainedCheckpoint checkpoint = PretrainedCheckpoint.open(directory)) {
            boolean storedPooler = checkpoint.storedName("pooler.dense.weight", BASE_MODEL_PREFIX) != null;
            Bert model = new Bert(config, storedPooler || needsPooler, 0);
            Map<String, Tensor> state = checkpoint.stateFor(model, BASE_MODEL_PREFIX);
            if (!storedPooler && needsPooler) {
                new Pooler(config, new SplittableRandom(seed)).namedParameters()
                        .forEach((name, tensor) -> state.put("pooler." + name, tensor));
            }
            return checkpoint.load(model, state);
        }
    }
}
