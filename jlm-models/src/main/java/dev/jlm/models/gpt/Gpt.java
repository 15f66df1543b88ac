package dev.jlm.models.gpt;

import dev.jlm.models.PretrainedCheckpoint;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Embedding;
import dev.jlm.tensor.nn.LayerNorm;
import dev.jlm.tensor.nn.Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * GPT-2 (Hugging Face's {@code GPT2LMHeadModel}, nanoGPT's {@code GPT}): token and position embeddings, pre-norm
 * blocks of causal self-attention and MLP, a final LayerNorm and a language-model head tied to the token embedding.
 * Parameter names are Hugging Face's.
 */
public final class Gpt extends Module {
    public final GptConfig config;
    public final Transformer transformer;
    /** Prompt tuning's virtual-token embeddings [n, C], fed before every context; null without them. */
    private Embedding promptEncoder;

    public Gpt(GptConfig config, long seed) {
        this.config = config;
        this.transformer = child("transformer", new Transformer(config, new SplittableRandom(seed)));
    }

    /** The stack under the LM head (HF's {@code GPT2Model}). */
    public static final class Transformer extends Module {
        public final Embedding wte;
        public final Embedding wpe;
        public final Dropout drop;
        public final List<Block> h;
        public final LayerNorm lnF;

        Transformer(GptConfig config, SplittableRandom random) {
            wte = child("wte", new Embedding(config.vocabSize(), config.nEmbd(), 0.02f, random));
            wpe = child("wpe", new Embedding(config.blockSize(), config.nEmbd(), 0.02f, random));
            drop = child("drop", new Dropout(config.dropout(), random.split()));
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < config.nLayer(); i++) {
                blocks.add(new Block(config, random));
            }
            h = children("h", blocks);
            lnF = child("ln_f", new LayerNorm(config.nEmbd(), config.layerNormEps(), config.bias()));
        }
    }

    /** Pre-norm residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
    public static final class Block extends Module {
        public final LayerNorm ln1;
        public final CausalSelfAttention attn;
        public final LayerNorm ln2;
        public final Mlp mlp;

        Block(GptConfig config, SplittableRandom random) {
            ln1 = child("ln_1", new LayerNorm(config.nEmbd(), config.layerNormEps(), config.bias()));
            attn = child("attn", new CausalSelfAttention(config, random));
            ln2 = child("ln_2", new LayerNorm(config.nEmbd(), config.layerNormEps(), config.bias()));
            mlp = child("mlp", new Mlp(config, random));
        }

        Tensor forward(Tensor x, KvCache cache, int layer) {
            x = x.add(attn.forward(ln1.forward(x), cache, layer));
            return x.add(mlp.forward(ln2.forward(x)));
        }
    }

    /**
     * Multi-head causal self-attention with one fused q/k/v projection; in training, dropout on the attention
     * probabilities ({@code attn_pdrop}) and on the output ({@code resid_pdrop}).
     */
    public static final class CausalSelfAttention extends Module {
        public final Conv1D cAttn;
        public final Conv1D cProj;
        public final Dropout attnDropout;
        public final Dropout residDropout;
        private final int nHead;

        CausalSelfAttention(GptConfig config, SplittableRandom random) {
            cAttn = child("c_attn", new Conv1D(config.nEmbd(), 3 * config.nEmbd(), config.bias(), 0.02f, random));
            // GPT-2's scaled init of residual projections: std 0.02/√(2·n_layer).
            cProj = child("c_proj", new Conv1D(config.nEmbd(), config.nEmbd(), config.bias(),
                    (float) (0.02 / Math.sqrt(2.0 * config.nLayer())), random));
            attnDropout = child("attn_dropout", new Dropout(config.dropout(), random.split()));
            residDropout = child("resid_dropout", new Dropout(config.dropout(), random.split()));
            nHead = config.nHead();
        }

        Tensor forward(Tensor x, KvCache cache, int layer) {
            int b = x.size(0);
            int t = x.size(1);
            int c = x.size(2);
            Tensor qkv = cAttn.forward(x).reshape(b, t, 3, nHead, c / nHead);
            Tensor q = qkv.select(2, 0).transpose(1, 2);
            Tensor k = qkv.select(2, 1).transpose(1, 2);
            Tensor v = qkv.select(2, 2).transpose(1, 2);
            if (cache != null) {
                Tensor[] past = cache.append(layer, k, v);
                k = past[0];
                v = past[1];
            }
            Tensor y = attnDropout.attention(q, k, v, true).transpose(1, 2).reshape(b, t, c);
            return residDropout.forward(cProj.forward(y));
        }
    }

    /** Position-wise feed-forward: c_fc (4× wider), GELU, c_proj. */
    public static final class Mlp extends Module {
        public final Conv1D cFc;
        public final Conv1D cProj;
        public final Dropout dropout;
        private final boolean tanhGelu;

        Mlp(GptConfig config, SplittableRandom random) {
            cFc = child("c_fc", new Conv1D(config.nEmbd(), 4 * config.nEmbd(), config.bias(), 0.02f, random));
            cProj = child("c_proj", new Conv1D(4 * config.nEmbd(), config.nEmbd(), config.bias(),
                    (float) (0.02 / Math.sqrt(2.0 * config.nLayer())), random));
            dropout = child("dropout", new Dropout(config.dropout(), random.split()));
            tanhGelu = config.activation().equals("gelu_new");
        }

        Tensor forward(Tensor x) {
            Tensor h = cFc.forward(x);
            h = tanhGelu ? F.geluTanh(h) : F.gelu(h);
            return dropout.forward(cProj.forward(h));
        }
    }

    /**
     * Feeds the rows of {@code prompt} ([n, C], prompt tuning's soft prompt) as n virtual tokens before every context:
     * they take the first n positions, as PEFT prepends them to {@code inputs_embeds} and GPT-2 then adds position
     * embeddings over the longer sequence. Null removes them. Registered as the child {@code prompt_encoder} so its
     * weight trains with the model's other parameters.
     */
    public void prependVirtualTokens(Embedding prompt) {
        if (prompt != null && prompt.weight.size(1) != config.nEmbd()) {
            throw new IllegalArgumentException("virtual tokens of width " + prompt.weight.size(1) + " for a model of width " + config.nEmbd());
        }
        if (prompt != null && prompt.weight.size(0) >= config.blockSize()) {
            throw new IllegalArgumentException(prompt.weight.size(0) + " virtual tokens leave no room in block size " + config.blockSize());
        }
        if (promptEncoder != null) {
            removeChild("prompt_encoder");
        }
        promptEncoder = prompt == null ? null : child("prompt_encoder", prompt);
    }

    /** The virtual tokens fed before every context (0 without prompt tuning). */
    public int numVirtualTokens() {
        return promptEncoder == null ? 0 : promptEncoder.weight.size(0);
    }

    /** How many real tokens one context holds: the block size less the virtual tokens. */
    public int contextSize() {
        return config.blockSize() - numVirtualTokens();
    }

    /**
     * Final hidden states [B, T, C] for token ids of a [B, T] batch. With a cache, the ids continue the cached
     * context (positions start at the cache's length) and their keys and values are appended to it. A context that
     * starts here (no cache, or an empty one) begins with the virtual tokens, whose states are not returned.
     */
    public Tensor hidden(int[] ids, int batch, int t, KvCache cache) {
        int past = cache == null ? 0 : cache.length();
        int virtual = past == 0 ? numVirtualTokens() : 0;
        if (past + virtual + t > config.blockSize()) {
            throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds block size " + config.blockSize()
                    + (virtual > 0 ? " less " + virtual + " virtual tokens" : ""));
        }
        int[] positions = new int[virtual + t];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = past + i;
        }
        Tensor tokens = transformer.wte.forward(ids, batch, t);
        if (virtual > 0) {
            int[] virtualIds = new int[batch * virtual];
            for (int i = 0; i < virtualIds.length; i++) {
                virtualIds[i] = i % virtual;
            }
            tokens = F.concat(List.of(promptEncoder.forward(virtualIds, batch, virtual), tokens), 1);
        }
        Tensor x = transformer.drop.forward(tokens.add(transformer.wpe.forward(positions, virtual + t)));
        for (int i = 0; i < transformer.h.size(); i++) {
            x = transformer.h.get(i).forward(x, cache, i);
        }
        if (cache != null) {
            cache.advance(virtual + t);
        }
        return transformer.lnF.forward(virtual > 0 ? x.slice(1, virtual, virtual + t) : x);
    }

    /** The LM head, tied to the token embedding: logits = h·wteᵀ. */
    public Tensor logits(Tensor hidden) {
        return transformer.wte.attend(hidden);
    }

    /** Logits [B, T, V] for a [B, T] batch of ids. */
    public Tensor forward(int[] ids, int batch, int t) {
        return logits(hidden(ids, batch, t, null));
    }

    /** Mean next-token cross-entropy against {@code targets} ([B, T]; entries of -1 are ignored). */
    public Tensor loss(int[] ids, int[] targets, int batch, int t) {
        return F.crossEntropy(forward(ids, batch, t), targets, -1);
    }

    // ---------------------------------------------------------------- Hugging Face checkpoints

    /**
     * Loads a Hugging Face GPT-2 directory ({@code config.json} + {@code model.safetensors} or
     * {@code pytorch_model.bin}); names may carry the {@code transformer.} prefix (GPT2LMHeadModel) or not
     * (GPT2Model). Errors name the file and tensor.
     */
    public static Gpt fromPretrained(Path directory) throws IOException {
        GptConfig config = GptConfig.read(PretrainedCheckpoint.configFile(directory));
        try (PretrainedCheckpoint checkpoint = PretrainedCheckpoint.open(directory)) {
            return checkpoint.load(new Gpt(config, 0), "transformer.");
        }
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} in the layout {@code GPT2LMHeadModel.from_pretrained}
     * reads: HF names, Conv1D weights [in, out], no {@code lm_head.weight} (tied). A model trained without biases is
     * written with zero biases, which HF's GPT-2 (always biased) evaluates identically.
     */
    public void savePretrained(Path directory) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>(namedParameters());
        if (!config.bias()) {
            Map<String, Tensor> withBiases = new LinkedHashMap<>();
            state.forEach((name, tensor) -> {
                withBiases.put(name, tensor);
                if (name.endsWith(".weight") && !name.endsWith("wte.weight") && !name.endsWith("wpe.weight")) {
                    int out = tensor.size(-1);
                    withBiases.put(name.substring(0, name.length() - "weight".length()) + "bias", Tensor.zeros(out));
                }
            });
            state = withBiases;
        }
        PretrainedCheckpoint.save(directory, state, config::write);
    }
}
