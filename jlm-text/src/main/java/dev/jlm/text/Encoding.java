package dev.jlm.text;

import java.util.List;

/**
 * A tokenized text (or text pair), as Hugging Face's {@code Encoding}: one entry per token in every array.
 *
 * @param ids               token ids
 * @param tokens            token strings
 * @param offsets           character offsets into the original text of the token's sequence, {@code [start, end)},
 *                          counted in Unicode code points; {@code [0, 0]} for special tokens and padding
 * @param typeIds           segment ids (0 for the first sequence, 1 for the second)
 * @param attentionMask     1 for real tokens, 0 for padding
 * @param specialTokensMask 1 for tokens added by the post-processor or padding
 * @param sequenceIds       0 or 1 for tokens of the first or second text, -1 for special tokens and padding
 * @param overflowing       the further windows when truncation with a stride split the input (empty otherwise)
 */
public record Encoding(int[] ids, List<String> tokens, int[][] offsets, int[] typeIds, int[] attentionMask,
                       int[] specialTokensMask, int[] sequenceIds, List<Encoding> overflowing) {

    public int length() {
        return ids.length;
    }
}
