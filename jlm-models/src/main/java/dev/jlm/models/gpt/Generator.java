package dev.jlm.models.gpt;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.text.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Autoregressive text generation with a KV cache, with Hugging Face's {@code generate} controls applied in HF's order:
 * repetition penalty, temperature, top-k, top-p, then sampling (or argmax when greedy).
 */
public final class Generator {

    /**
     * @param maxNewTokens      tokens to add at most
     * @param greedy            take the most likely token (ignores temperature, top-k, top-p and seed)
     * @param temperature       divides the logits (&gt; 0)
     * @param topK              keep only the k most likely tokens (0: all)
     * @param topP              keep the smallest set of tokens whose probability reaches p (1: all)
     * @param repetitionPenalty divides positive / multiplies negative logits of tokens already present (1: none)
     * @param seed              sampling seed: the same seed gives the same text
     * @param eosTokenId        stop after this token (-1: never)
     * @param stopStrings       stop once the generated text contains one of these (needs a tokenizer)
     */
    public record Settings(int maxNewTokens, boolean greedy, float temperature, int topK, float topP,
                           float repetitionPenalty, long seed, int eosTokenId, List<String> stopStrings) {
        public Settings {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
            }
            if (!greedy && !(temperature > 0)) {
                throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
            }
            if (!(repetitionPenalty > 0)) {
                throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
            }
            stopStrings = List.copyOf(stopStrings);
        }

        /** Argmax decoding of {@code maxNewTokens} tokens, no penalty, no stop token. */
        public static Settings greedy(int maxNewTokens) {
            return new Settings(maxNewTokens, true, 1f, 0, 1f, 1f, 0, -1, List.of());
        }

        /** Sampling from the full distribution at temperature 1 (seed 0); narrow it with the {@code with…} methods. */
        public static Settings sampling(int maxNewTokens) {
            return new Settings(maxNewTokens, false, 1f, 0, 1f, 1f, 0, -1, List.of());
        }

        public Settings withMaxNewTokens(int value) {
            return new Settings(value, greedy, temperature, topK, topP, repetitionPenalty, seed, eosTokenId, stopStrings);
        }

        public Settings withTemperature(float value) {
            return new Settings(maxNewTokens, greedy, value, topK, topP, repetitionPenalty, seed, eosTokenId, stopStrings);
        }

        public Settings withTopK(int value) {
            return new Settings(maxNewTokens, greedy, temperature, value, topP, repetitionPenalty, seed, eosTokenId, stopStrings);
        }

        public Settings withTopP(float value) {
            return new Settings(maxNewTokens, greedy, temperature, topK, value, repetitionPenalty, seed, eosTokenId, stopStrings);
        }

        public Settings withRepetitionPenalty(float value) {
            return new Settings(maxNewTokens, greedy, temperature, topK, topP, value, seed, eosTokenId, stopStrings);
        }

        public Settings withSeed(long value) {
            return new Settings(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, value, eosTokenId, stopStrings);
        }

        public Settings withEosTokenId(int value) {
            return new Settings(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, seed, value, stopStrings);
        }

        public Settings withStopStrings(List<String> value) {
            return new Settings(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, seed, eosTokenId, value);
        }
    }

    /** Receives each new token as it is produced (streaming); return false to stop. */
    @FunctionalInterface
    public interface Listener {
        boolean onToken(int id);
    }

    private Generator() {
    }

    /**
     * Continues {@code prompt}; returns prompt followed by the new tokens. {@code tokenizer} may be null when no stop
     * strings are given.
     */
    public static int[] generate(Gpt model, int[] prompt, Settings settings, Tokenizer tokenizer, Listener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        if (!settings.stopStrings().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException("stop strings need the model's tokenizer");
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        List<Integer> tokens = new ArrayList<>();
        for (int id : prompt) {
            tokens.add(id);
        }
        SplittableRandom random = new SplittableRandom(settings.seed());
        // Virtual tokens of a prompt-tuned model take cache positions before the prompt.
        int contextSize = model.contextSize();
        KvCache cache = new KvCache(model.config, 1);
        try (var off = GradMode.off()) {
            int[] context = tail(prompt, contextSize);
            float[] logits = lastLogits(model, context, cache);
            for (int step = 0; step < settings.maxNewTokens(); step++) {
                int next = choose(logits, tokens, settings, random);
                tokens.add(next);
                if (listener != null && !listener.onToken(next)) {
                    break;
                }
                if (next == settings.eosTokenId() || hitsStop(tokens, prompt.length, settings, tokenizer)) {
                    break;
                }
                if (step + 1 == settings.maxNewTokens()) {
                    break;
                }
                if (cache.length() == cache.capacity()) {
                    // The context is full: start over on the most recent half (nanoGPT crops to the block size).
                    cache.clear();
                    logits = lastLogits(model, tail(toArray(tokens), contextSize / 2), cache);
                } else {
                    logits = lastLogits(model, new int[] {next}, cache);
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return toArray(tokens);
    }

    private static float[] lastLogits(Gpt model, int[] ids, KvCache cache) {
        Tensor hidden = model.hidden(ids, 1, ids.length, cache);
        return model.logits(hidden.slice(1, ids.length - 1, ids.length)).toArray();
    }

    private static boolean hitsStop(List<Integer> tokens, int promptLength, Settings settings, Tokenizer tokenizer) {
        if (settings.stopStrings().isEmpty()) {
            return false;
        }
        int[] generated = toArray(tokens.subList(promptLength, tokens.size()));
        String text = tokenizer.decode(generated, true);
        return settings.stopStrings().stream().anyMatch(text::contains);
    }

    /** Picks the next token from raw logits under the settings. */
    static int choose(float[] logits, List<Integer> history, Settings settings, SplittableRandom random) {
        float[] x = logits.clone();
        if (settings.repetitionPenalty() != 1f) {
            for (int id : new java.util.HashSet<>(history)) {
                x[id] = x[id] < 0 ? x[id] * settings.repetitionPenalty() : x[id] / settings.repetitionPenalty();
            }
        }
        if (settings.greedy()) {
            return argmax(x);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= settings.temperature();
        }
        Integer[] order = new Integer[x.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (p, q) -> Float.compare(x[q], x[p]));
        int keep = settings.topK() > 0 ? Math.min(settings.topK(), x.length) : x.length;
        double max = x[order[0]];
        double[] probs = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(x[order[i]] - max);
            total += probs[i];
        }
        if (settings.topP() < 1f) {
            double cumulative = 0;
            int kept = 0;
            while (kept < keep) {
                cumulative += probs[kept] / total;
                kept++;
                if (cumulative >= settings.topP()) {
                    break;
                }
            }
            keep = kept;
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += probs[i];
            }
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= probs[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] tail(int[] ids, int max) {
        return ids.length <= max ? ids : Arrays.copyOfRange(ids, ids.length - max, ids.length);
    }

    private static int[] toArray(List<Integer> ids) {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
