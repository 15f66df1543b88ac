package dev.jlm.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Text to ids and back, with offsets, pairs, truncation, padding and overflow windows. */
public interface Tokenizer {

    /** Encodes one text with the post-processor's special tokens and no truncation or padding. */
    default Encoding encode(String text) {
        return encode(text, null, EncodeOptions.DEFAULT);
    }

    /** Encodes a text pair (e.g. question + context) with the post-processor's special tokens. */
    default Encoding encode(String text, String pair) {
        return encode(text, pair, EncodeOptions.DEFAULT);
    }

    /** Encodes a text, or a pair when {@code pair} is non-null, under the given options. */
    Encoding encode(String text, String pair, EncodeOptions options);

    /** Encodes many texts on all cores; results are in input order. */
    List<Encoding> encodeBatch(List<String> texts, EncodeOptions options);

    /** Ids back to text; {@code skipSpecialTokens} drops [CLS], [SEP], padding and the like. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** Decodes ids arriving one at a time, as generation streams them, without splitting a character. */
    default DecodeStream decodeStream(boolean skipSpecialTokens) {
        return new DecodeStream(this, skipSpecialTokens);
    }

    int vocabSize();

    /** The id of a token, or -1 when it is not in the vocabulary. */
    int tokenToId(String token);

    String idToToken(int id);

    /** Writes the tokenizer in Hugging Face's files ({@code tokenizer.json} plus the model's own vocabulary files). */
    void save(Path directory) throws IOException;
}
