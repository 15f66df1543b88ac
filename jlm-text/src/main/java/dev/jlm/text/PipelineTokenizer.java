package dev.jlm.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every subword tokenizer shares, in Hugging Face's pipeline order: added tokens are cut out of the raw text
 * first, the model tokenizes the rest ({@link #encodeText}), then {@link EncodingAssembler} truncates, adds the
 * template's special tokens and pads.
 */
abstract class PipelineTokenizer implements Tokenizer {
    private final List<AddedToken> added;
    private final List<AddedToken> longestFirst;
    private final Set<Integer> specialIds = new HashSet<>();
    private final Template template;
    private final String padToken;
    private final int padId;
    private final List<String> idToToken;
    private final Map<String, Integer> tokenToId = new HashMap<>();

    PipelineTokenizer(List<AddedToken> added, Template template, String padToken, List<String> vocab) {
        this.added = List.copyOf(added);
        this.longestFirst = added.stream().sorted(Comparator.comparingInt((AddedToken a) -> a.content().length()).reversed()).toList();
        this.template = template;
        this.idToToken = new ArrayList<>(vocab);
        for (int id = 0; id < vocab.size(); id++) {
            tokenToId.putIfAbsent(vocab.get(id), id);
        }
        for (AddedToken token : added) {
            while (idToToken.size() <= token.id()) {
                idToToken.add(null);
            }
            idToToken.set(token.id(), token.content());
            tokenToId.put(token.content(), token.id());
            if (token.special()) {
                specialIds.add(token.id());
            }
        }
        this.padToken = padToken;
        this.padId = padToken == null ? 0 : tokenToId.getOrDefault(padToken, 0);
    }

    /**
     * Appends the tokens of {@code text[from, to)}, a stretch without added tokens; offsets count code points of the
     * whole text, the stretch starting at {@code codePointBase}.
     */
    abstract void encodeText(String text, int from, int to, int codePointBase, Piece.Builder out);

    /** The tokens of one text, added tokens included, before templates and truncation. */
    Piece tokenize(String text) {
        Piece.Builder out = new Piece.Builder(text.length() / 4);
        int start = 0;
        int codePointBase = 0;
        while (start < text.length()) {
            int bestAt = -1;
            AddedToken best = null;
            for (AddedToken token : longestFirst) {
                int at = text.indexOf(token.content(), start);
                if (at >= 0 && (bestAt < 0 || at < bestAt)) {
                    bestAt = at;
                    best = token;
                }
            }
            int end = bestAt < 0 ? text.length() : bestAt;
            if (end > start) {
                encodeText(text, start, end, codePointBase, out);
                codePointBase += text.codePointCount(start, end);
            }
            if (best == null) {
                break;
            }
            int length = best.content().codePointCount(0, best.content().length());
            out.add(best.id(), best.content(), codePointBase, codePointBase + length);
            codePointBase += length;
            start = bestAt + best.content().length();
        }
        return out.build();
    }

    @Override
    public Encoding encode(String text, String pair, EncodeOptions options) {
        return EncodingAssembler.assemble(tokenize(text), pair == null ? null : tokenize(pair), template, options, padId,
                padToken);
    }

    @Override
    public List<Encoding> encodeBatch(List<String> texts, EncodeOptions options) {
        return texts.parallelStream().map(text -> encode(text, null, options)).toList();
    }

    @Override
    public int vocabSize() {
        return idToToken.size();
    }

    @Override
    public int tokenToId(String token) {
        return tokenToId.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        if (id < 0 || id >= idToToken.size() || idToToken.get(id) == null) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + idToToken.size());
        }
        return idToToken.get(id);
    }

    boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    List<AddedToken> addedTokens() {
        return added;
    }

    Template template() {
        return template;
    }

    String padToken() {
        return padToken;
    }
}
