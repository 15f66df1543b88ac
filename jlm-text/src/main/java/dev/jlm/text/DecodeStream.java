package dev.jlm.text;

import java.util.Arrays;

/**
 * Decodes ids one at a time as a model produces them (Hugging Face's {@code tokenizers.decoders.DecodeStream}): each
 * step returns the text the new id completes. A byte-level token may end inside a multi-byte character, which then
 * decodes as U+FFFD until a later token brings its remaining bytes; such text is held back, so no replacement
 * character is ever shown for a character that arrives whole. The ids since the last returned text are decoded
 * together with the ids of that text, which keeps a decoder's joining rules (WordPiece's spaces and {@code ##}) as in
 * a full decode: the concatenated steps equal {@code decode(allIds)} whenever that ends in a whole character.
 */
public final class DecodeStream {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    /** The ids of the last returned text, then the ids not yet returned. */
    private int[] ids = new int[0];
    /** Where the ids not yet returned start in {@link #ids}. */
    private int pendingFrom;
    /** The decoded ids before {@link #pendingFrom}. */
    private String returnedText = "";

    DecodeStream(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id; returns the text it completes, empty while a character is still unfinished. */
    public String step(int id) {
        ids = Arrays.copyOf(ids, ids.length + 1);
        ids[ids.length - 1] = id;
        String text = tokenizer.decode(ids, skipSpecialTokens);
        if (text.length() <= returnedText.length() || text.charAt(text.length() - 1) == REPLACEMENT) {
            return "";
        }
        if (!text.startsWith(returnedText)) {
            throw new IllegalStateException("decoding ids " + Arrays.toString(ids) + " changes the text of their first "
                    + pendingFrom + " ('" + returnedText + "' became '" + text + "'): this decoder cannot stream");
        }
        String fresh = text.substring(returnedText.length());
        ids = Arrays.copyOfRange(ids, pendingFrom, ids.length);
        pendingFrom = ids.length;
        returnedText = tokenizer.decode(ids, skipSpecialTokens);
        return fresh;
    }
}
