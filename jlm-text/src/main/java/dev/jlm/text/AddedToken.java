package dev.jlm.text;

/**
 * A token matched verbatim in the raw text before normalization (Hugging Face's {@code added_tokens}), such as
 * {@code [MASK]} or {@code <|endoftext|>}; special ones are dropped by {@code decode(ids, true)}.
 */
public record AddedToken(String content, int id, boolean special) {
}
