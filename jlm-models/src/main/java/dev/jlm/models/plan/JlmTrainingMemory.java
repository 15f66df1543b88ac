package dev.jlm.models.plan;

import dev.jlm.models.gpt.GptConfig;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.Sgemm;

/**
 * The heap a jlm fp32 training step of a {@code Gpt} with AdamW holds at its peak, counted from how jlm's autograd
 * keeps tensors — unlike {@link TrainingPlan}'s activations, which follow Korthikanti et al.'s accounting of a
 * 16-bit Megatron layer. jlm keeps every op output of the forward pass until the step's {@code Memory} scope closes,
 * recomputes attention probabilities in backward (nothing of size T×T is kept), and hands an intermediate gradient
 * back to the pool as soon as its op's backward has run, so the peak is reached at the end of backward: weights,
 * their gradients, AdamW's two moments, every activation, and the largest set of gradients in flight at once.
 *
 * <p>Counted for GPT-2's block as jlm trains it by default: biased, no dropout. In floats, for n = batch·T tokens of width C, vocabulary V and L blocks:
 * <ul>
 *   <li>per block, 27·n·C + 4·n: ln_1 and ln_2 outputs (n·C each, with their mean and 1/σ, 2·n each), c_attn's
 *       product and bias sum (3·n·C each), the attention output (n·C), attn.c_proj's product and bias sum, the
 *       residual sum (n·C each), c_fc's product, bias sum and GELU (4·n·C each), mlp.c_proj's product, bias sum and
 *       the second residual sum (n·C each);</li>
 *   <li>once: the token and position embeddings and their sum (2·n·C + T·C), ln_f (n·C + 2·n),
 *       the logits (n·V) and the loss's log-sum-exps (n + 1);</li>
 *   <li>gradients in flight (traced for the biased block without dropout): the logits' (n·V), the position
 *       embeddings' sum's (T·C) and the loss's (1), and those of one block at once — five of n·C (the residual
 *       stream's, the branch's and q, k, v's views), two of 3·n·C (the fused projection's product and bias sum) and
 *       two of 4·n·C (GELU's input and output): 19·n·C;</li>
 *   <li>kernel workspace, kept by each of {@link Parallel#THREADS} threads once it has run a product or an
 *       attention: {@link Sgemm#WORKSPACE_BYTES_PER_THREAD} of packing buffers and two T×T rows of attention
 *       scores.</li>
 * </ul>
 * Each tensor's buffer is counted at the length its scope's pool gives it ({@link Memory#pooledLength}).
 */
public final class JlmTrainingMemory {
    private static final int FLOAT_BYTES = 4;

    private JlmTrainingMemory() {
    }

    /** Bytes of each part of the peak. */
    public record Estimate(long weights, long gradients, long optimizerStates, long activations, long gradientsInFlight,
                           long kernelWorkspace) {
        public long total() {
            return weights + gradients + optimizerStates + activations + gradientsInFlight + kernelWorkspace;
        }
    }

    /** A tensor's buffer as a scope allocates it (no array can be longer than an int allows; those stay exact). */
    private static long pooled(long floats) {
        return floats <= Integer.MAX_VALUE / 2 ? Memory.pooledLength((int) floats) : floats;
    }

    /** The peak of one step on a {@code batch × sequenceLength} batch (a sequence length up to the block size). */
    public static Estimate gptAdamW(GptConfig config, int batch, int sequenceLength) {
        if (config.dropout() != 0f || !config.bias()) {
            throw new IllegalArgumentException("the gradients in flight are traced for a biased GPT without dropout, not dropout "
                    + config.dropout() + (config.bias() ? "" : " without biases"));
        }
        if (batch <= 0 || sequenceLength <= 0 || sequenceLength > config.blockSize()) {
            throw new IllegalArgumentException("batch " + batch + " × sequence length " + sequenceLength
                    + " (the sequence length must be in [1, " + config.blockSize() + "])");
        }
        long parameters = Architecture.gpt2(config.vocabSize(), config.blockSize(), config.nLayer(), config.nEmbd(),
                config.nHead()).parameters();
        long n = (long) batch * sequenceLength;
        long c = config.nEmbd();
        long v = config.vocabSize();
        long nc = pooled(n * c);
        long perBlock = 9 * nc + 2 * pooled(3 * n * c) + 3 * pooled(4 * n * c) + 2 * pooled(2 * n);
        long once = 3 * nc + pooled(sequenceLength * c) + pooled(2 * n) + pooled(n * v) + pooled(n) + pooled(1);
        long inFlight = pooled(n * v) + pooled(sequenceLength * c) + pooled(1) + 5 * nc + 2 * pooled(3 * n * c)
                + 2 * pooled(4 * n * c);
        return new Estimate(FLOAT_BYTES * parameters, FLOAT_BYTES * parameters, 2L * FLOAT_BYTES * parameters,
                FLOAT_BYTES * (config.nLayer() * perBlock + once), FLOAT_BYTES * inFlight,
                Parallel.THREADS * (Sgemm.WORKSPACE_BYTES_PER_THREAD + 2L * FLOAT_BYTES * sequenceLength * sequenceLength));
    }
}
