package dev.jlm.models.bert;

import java.util.Arrays;
import java.util.List;

/**
 * Token sequences of different lengths as one [size, length] batch for a BERT encoder: ids and segment ids padded
 * with zeros to the longest sequence, and the attention mask that tells the encoder which positions are real.
 *
 * @param tokens the number of real (unpadded) tokens
 */
public record PaddedBatch(int size, int length, int[] ids, int[] typeIds, int[] attention, int tokens) {

    /** {@code ids.get(i)} and {@code typeIds.get(i)} are sequence i's tokens and segment ids (same lengths). */
    public static PaddedBatch of(List<int[]> ids, List<int[]> typeIds) {
        int size = ids.size();
        int length = ids.stream().mapToInt(a -> a.length).max().orElse(0);
        int[] paddedIds = new int[size * length];
        int[] paddedTypes = new int[size * length];
        int[] attention = new int[size * length];
        int tokens = 0;
        for (int b = 0; b < size; b++) {
            int n = ids.get(b).length;
            System.arraycopy(ids.get(b), 0, paddedIds, b * length, n);
            System.arraycopy(typeIds.get(b), 0, paddedTypes, b * length, n);
            Arrays.fill(attention, b * length, b * length + n, 1);
            tokens += n;
        }
        return new PaddedBatch(size, length, paddedIds, paddedTypes, attention, tokens);
    }
}
