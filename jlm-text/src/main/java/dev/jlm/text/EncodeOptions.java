package dev.jlm.text;

/**
 * How to encode: special tokens, truncation, padding and overflow windows, as Hugging Face's tokenizer call.
 *
 * @param addSpecialTokens whether the post-processor adds [CLS]/[SEP] (BERT) or nothing (GPT-2)
 * @param maxLength        maximum length in tokens including special tokens, or 0 for no truncation
 * @param truncation       which sequence to cut when {@code maxLength} is exceeded
 * @param stride           tokens of overlap between consecutive overflow windows (SQuAD's doc_stride is
 *                         expressed as this overlap, as in Hugging Face); only with {@code returnOverflowing}
 * @param returnOverflowing whether the cut-off part comes back as further windows in {@link Encoding#overflowing()}
 * @param padToLength      pad every encoding up to this length, or 0 for no padding
 */
public record EncodeOptions(boolean addSpecialTokens, int maxLength, Truncation truncation, int stride,
                            boolean returnOverflowing, int padToLength) {

    public static final EncodeOptions DEFAULT = new EncodeOptions(true, 0, Truncation.LONGEST_FIRST, 0, false, 0);

    /** Truncation strategies of Hugging Face tokenizers. */
    public enum Truncation { LONGEST_FIRST, ONLY_FIRST, ONLY_SECOND }

    public EncodeOptions withMaxLength(int length, Truncation strategy) {
        return new EncodeOptions(addSpecialTokens, length, strategy, stride, returnOverflowing, padToLength);
    }

    public EncodeOptions withOverflow(int overlap) {
        return new EncodeOptions(addSpecialTokens, maxLength, truncation, overlap, true, padToLength);
    }

    public EncodeOptions withPadding(int length) {
        return new EncodeOptions(addSpecialTokens, maxLength, truncation, stride, returnOverflowing, length);
    }

    public EncodeOptions withoutSpecialTokens() {
        return new EncodeOptions(false, maxLength, truncation, stride, returnOverflowing, padToLength);
    }
}
