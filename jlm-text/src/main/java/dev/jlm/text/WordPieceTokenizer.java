package dev.jlm.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's tokenizer: {@link BertNormalizer}, then splitting on whitespace and punctuation, then greedy
 * longest-match-first WordPiece with {@code ##} continuations; {@code [CLS] A [SEP] (B [SEP])} around the result.
 * Matches Hugging Face's {@code BertWordPieceTokenizer} token for token, offsets included.
 */
public final class WordPieceTokenizer extends PipelineTokenizer {
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;

    private final List<String> vocab;
    private final Map<String, Integer> words = new HashMap<>();
    private final Map<String, Integer> continuations = new HashMap<>();
    private final String prefix;
    private final String unk;
    private final int unkId;
    private final BertNormalizer normalizer;

    WordPieceTokenizer(List<String> vocab, String unk, String prefix, BertNormalizer normalizer, List<AddedToken> added,
                       Template template, String padToken) {
        super(added, template, padToken, vocab);
        this.vocab = List.copyOf(vocab);
        this.prefix = prefix;
        this.unk = unk;
        this.normalizer = normalizer;
        for (int id = 0; id < vocab.size(); id++) {
            String token = vocab.get(id);
            words.putIfAbsent(token, id);
            if (token.startsWith(prefix)) {
                continuations.putIfAbsent(token.substring(prefix.length()), id);
            }
        }
        Integer id = words.get(unk);
        if (id == null) {
            throw new IllegalArgumentException("the vocabulary has no unknown token '" + unk + "'");
        }
        this.unkId = id;
    }

    /** BERT's defaults for a {@code vocab.txt} (one token per line, id = line number). */
    public static WordPieceTokenizer fromVocabTxt(Path file, boolean lowercase) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": vocabulary file not found");
        }
        List<String> vocab = Files.readAllLines(file, StandardCharsets.UTF_8);
        while (!vocab.isEmpty() && vocab.get(vocab.size() - 1).isEmpty()) {
            vocab.remove(vocab.size() - 1);
        }
        for (String special : List.of("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]")) {
            if (!vocab.contains(special)) {
                throw new IOException(file + ": not a BERT vocabulary (no " + special + " token)");
            }
        }
        List<AddedToken> added = new ArrayList<>();
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            added.add(new AddedToken(special, vocab.indexOf(special), true));
        }
        Template template = Template.bert(new Template.Special("[CLS]", vocab.indexOf("[CLS]")),
                new Template.Special("[SEP]", vocab.indexOf("[SEP]")));
        return new WordPieceTokenizer(vocab, "[UNK]", "##", new BertNormalizer(true, true, lowercase, lowercase), added,
                template, "[PAD]");
    }

    @Override
    void encodeText(String text, int from, int to, int codePointBase, Piece.Builder out) {
        Normalized normalized = normalizer.apply(Normalized.of(text.substring(from, to), codePointBase));
        int n = normalized.length;
        int[] chars = normalized.chars;
        int i = 0;
        while (i < n) {
            int cp = chars[i];
            if (BertNormalizer.isWhitespace(cp)) {
                i++;
                continue;
            }
            if (BertNormalizer.isPunctuation(cp)) {
                word(normalized, i, i + 1, out);
                i++;
                continue;
            }
            int start = i;
            while (i < n && !BertNormalizer.isWhitespace(chars[i]) && !BertNormalizer.isPunctuation(chars[i])) {
                i++;
            }
            word(normalized, start, i, out);
        }
    }

    /** Greedy longest-match-first WordPiece over normalized characters [start, end). */
    private void word(Normalized text, int start, int end, Piece.Builder out) {
        if (end - start > MAX_INPUT_CHARS_PER_WORD) {
            out.add(unkId, unk, text.from[start], text.to[end - 1]);
            return;
        }
        int mark = out.size();
        int at = start;
        while (at < end) {
            int stop = end;
            Integer id = null;
            while (stop > at) {
                String candidate = text.substring(at, stop);
                id = at == start ? words.get(candidate) : continuations.get(candidate);
                if (id != null) {
                    break;
                }
                stop--;
            }
            if (id == null) {
                out.truncate(mark);
                out.add(unkId, unk, text.from[start], text.to[end - 1]);
                return;
            }
            out.add(id, vocab.get(id), text.from[at], text.to[stop - 1]);
            at = stop;
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        boolean first = true;
        for (int id : ids) {
            if (skipSpecialTokens && isSpecial(id)) {
                continue;
            }
            String token = idToToken(id);
            if (!first && token.startsWith(prefix)) {
                token = token.substring(prefix.length());
            } else if (!first) {
                token = " " + token;
            }
            text.append(cleanup(token));
            first = false;
        }
        return text.toString();
    }

    /** Hugging Face's decoder clean-up of spaces before punctuation and in English contractions. */
    private static String cleanup(String token) {
        return token.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.write(directory.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        TokenizerJson.write(directory.resolve("tokenizer.json"), TokenizerJson.wordPiece(this));
    }

    List<String> vocab() {
        return vocab;
    }

    String unknownToken() {
        return unk;
    }

    String continuationPrefix() {
        return prefix;
    }

    BertNormalizer normalizer() {
        return normalizer;
    }
}
