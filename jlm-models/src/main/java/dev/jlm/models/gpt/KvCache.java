package dev.jlm.models.gpt;

import dev.jlm.tensor.Tensor;

/**
 * Keys and values of the tokens seen so far, per layer, so each generated token attends to the past without
 * recomputing it. Storage is allocated once for the whole context: [B, H, blockSize, D] per layer.
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private int length;

    public KvCache(GptConfig config, int batch) {
        this.capacity = config.blockSize();
        this.keys = new Tensor[config.nLayer()];
        this.values = new Tensor[config.nLayer()];
        for (int i = 0; i < config.nLayer(); i++) {
            keys[i] = Tensor.zeros(batch, config.nHead(), capacity, config.headSize());
            values[i] = Tensor.zeros(batch, config.nHead(), capacity, config.headSize());
        }
    }

    /** Tokens already cached. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Appends layer {@code layer}'s new keys and values [B, H, T, D]; returns views of all cached ones. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        int t = k.size(2);
        if (length + t > capacity) {
            throw new IllegalArgumentException("context of " + (length + t) + " tokens exceeds the model's block size " + capacity);
        }
        keys[layer].slice(2, length, length + t).assign(k);
        values[layer].slice(2, length, length + t).assign(v);
        return new Tensor[] {keys[layer].slice(2, 0, length + t), values[layer].slice(2, 0, length + t)};
    }

    /** Marks {@code t} more tokens as cached (after every layer has appended them). */
    void advance(int t) {
        length += t;
    }

    /** Forgets everything (reuse for a new prompt). */
    public void clear() {
        length = 0;
    }
}
