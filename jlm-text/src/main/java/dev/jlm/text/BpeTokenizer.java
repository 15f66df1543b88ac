package dev.jlm.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level BPE: text is split by GPT-2's pre-tokenizer, each piece's UTF-8 bytes start as single-byte
 * tokens, and the adjacent pair with the lowest merge rank is merged until none applies. Decoding maps tokens back to
 * the exact bytes. Loads {@code vocab.json} + {@code merges.txt}, {@code tokenizer.json} and tiktoken rank files.
 */
public final class BpeTokenizer extends PipelineTokenizer {
    private static final int CACHE_LIMIT = 200_000;

    private final List<String> vocab;
    private final Map<String, Integer> ids;
    private final List<String[]> merges;
    /** (left id, right id) → merge rank and merged id, packed as rank << 32 | id. */
    private final PairTable pairs;
    private final int[] byteIds = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeTokenizer(List<String> vocab, List<String[]> merges, List<AddedToken> added) {
        super(added, Template.NONE, null, vocab);
        this.vocab = List.copyOf(vocab);
        this.merges = List.copyOf(merges);
        this.ids = new HashMap<>();
        for (int id = 0; id < vocab.size(); id++) {
            ids.putIfAbsent(vocab.get(id), id);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]));
            if (id == null) {
                throw new IllegalArgumentException("the vocabulary lacks the byte-level token for byte " + b);
            }
            byteIds[b] = id;
        }
        this.pairs = new PairTable(merges.size() * 2 + 16);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] merge = merges.get(rank);
            Integer left = ids.get(merge[0]);
            Integer right = ids.get(merge[1]);
            Integer merged = ids.get(merge[0] + merge[1]);
            if (left == null || right == null || merged == null) {
                throw new IllegalArgumentException("merge " + (rank + 1) + " '" + merge[0] + " " + merge[1]
                        + "' uses tokens missing from the vocabulary");
            }
            pairs.putIfAbsent(left, right, ((long) rank << 32) | merged);
        }
    }

    // ---------------------------------------------------------------- loading

    /** {@code vocab.json} (token → id) and {@code merges.txt} (one "left right" pair per line, by priority). */
    public static BpeTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        if (!Files.isRegularFile(vocabJson)) {
            throw new IOException(vocabJson + ": vocabulary file not found");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(vocabJson.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(vocabJson + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        List<String> vocab = TokenizerJson.vocabulary(root, vocabJson.toString());
        return create(vocab, readMerges(mergesTxt), vocabJson.toString());
    }

    static BpeTokenizer create(List<String> vocab, List<String[]> merges, String source) throws IOException {
        List<AddedToken> added = new ArrayList<>();
        if (vocab.contains("<|endoftext|>")) {
            added.add(new AddedToken("<|endoftext|>", vocab.indexOf("<|endoftext|>"), true));
        }
        try {
            return new BpeTokenizer(vocab, merges, added);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage());
        }
    }

    static List<String[]> readMerges(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": merges file not found");
        }
        List<String[]> merges = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 2) {
                throw new IOException(file + ": line " + (i + 1) + " is not a pair of tokens: '" + line + "'");
            }
            merges.add(parts);
        }
        return merges;
    }

    /**
     * A tiktoken rank file (base64 token bytes and rank per line). The merges are recovered from the ranks: a token's
     * merge is the pair that BPE over its bytes with the lower-ranked tokens ends with.
     */
    public static BpeTokenizer fromTiktoken(InputStream in, String source, Map<String, Integer> specialTokens) throws IOException {
        Map<String, Integer> ranks = new HashMap<>();
        List<String> vocab = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                int rank;
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(parts[0]);
                    rank = Integer.parseInt(parts[1]);
                } catch (RuntimeException e) {
                    throw new IOException(source + ": line " + number + " is not 'base64 rank'");
                }
                String token = ByteLevel.encodeBytes(bytes, 0, bytes.length);
                while (vocab.size() <= rank) {
                    vocab.add(null);
                }
                vocab.set(rank, token);
                ranks.put(token, rank);
            }
        }
        specialTokens.forEach((token, id) -> {
            while (vocab.size() <= id) {
                vocab.add(null);
            }
            vocab.set(id, token);
        });
        if (vocab.contains(null)) {
            throw new IOException(source + ": ranks are not contiguous");
        }
        List<String[]> merges = new ArrayList<>();
        for (int rank = 0; rank < vocab.size(); rank++) {
            String token = vocab.get(rank);
            if (token.length() < 2 || specialTokens.containsKey(token)) {
                continue;
            }
            merges.add(lastMerge(token, rank, ranks));
        }
        return create(vocab, merges, source);
    }

    /** BPE of {@code token}'s characters using only ranks below {@code limit}; the final two parts. */
    private static String[] lastMerge(String token, int limit, Map<String, Integer> ranks) {
        List<String> parts = new ArrayList<>();
        for (char c : token.toCharArray()) {
            parts.add(String.valueOf(c));
        }
        while (parts.size() > 2) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer rank = ranks.get(parts.get(i) + parts.get(i + 1));
                if (rank != null && rank < limit && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
        return new String[] {parts.get(0), String.join("", parts.subList(1, parts.size()))};
    }

    // ---------------------------------------------------------------- encoding

    @Override
    void encodeText(Normalized text, Piece.Builder out) {
        int[] cps = text.chars;
        int base = text.from.length > 0 && text.length > 0 ? text.from[0] : 0;
        ByteLevel.split(cps, text.length, (start, end) -> word(cps, start, end, base, out));
    }

    private void word(int[] cps, int start, int end, int base, Piece.Builder out) {
        String piece = new String(cps, start, end - start);
        int[] tokens = cache.get(piece);
        if (tokens == null) {
            tokens = merge(piece.getBytes(StandardCharsets.UTF_8));
            if (cache.size() < CACHE_LIMIT) {
                cache.put(piece, tokens);
            }
        }
        // Offsets: each token covers the code points whose UTF-8 bytes it holds (a split character counts for both).
        int byteAt = 0;
        int cpAt = start;
        int cpByteStart = 0;
        for (int id : tokens) {
            int length = vocab.get(id).length();
            int tokenStart = cpAt;
            int tokenEndByte = byteAt + length;
            while (cpAt < end && cpByteStart + utf8Length(cps[cpAt]) <= tokenEndByte) {
                cpByteStart += utf8Length(cps[cpAt]);
                cpAt++;
            }
            int tokenEnd = cpByteStart < tokenEndByte ? cpAt + 1 : cpAt;
            out.add(id, vocab.get(id), base + tokenStart, base + tokenEnd);
            byteAt = tokenEndByte;
        }
    }

    private static int utf8Length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    /** BPE over one pre-token's bytes: repeatedly merge the adjacent pair of lowest rank. */
    int[] merge(byte[] bytes) {
        int n = bytes.length;
        int[] parts = new int[n];
        for (int i = 0; i < n; i++) {
            parts[i] = byteIds[bytes[i] & 0xff];
        }
        while (n > 1) {
            long best = Long.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                long entry = pairs.get(parts[i], parts[i + 1]);
                if (entry >= 0 && entry < best) {
                    best = entry;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            parts[at] = (int) best;
            System.arraycopy(parts, at + 2, parts, at + 1, n - at - 2);
            n--;
        }
        return java.util.Arrays.copyOf(parts, n);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            if (skipSpecialTokens && isSpecial(id)) {
                continue;
            }
            String token = idToToken(id);
            byte[] raw = ByteLevel.decodeString(token);
            bytes.writeBytes(raw != null ? raw : token.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, Integer> vocabJson = new java.util.LinkedHashMap<>();
        for (int id = 0; id < vocab.size(); id++) {
            vocabJson.put(vocab.get(id), id);
        }
        new ObjectMapper().writeValue(directory.resolve("vocab.json").toFile(), vocabJson);
        List<String> lines = new ArrayList<>(List.of("#version: 0.2"));
        merges.forEach(m -> lines.add(m[0] + " " + m[1]));
        Files.write(directory.resolve("merges.txt"), lines, StandardCharsets.UTF_8);
        TokenizerJson.write(directory.resolve("tokenizer.json"), TokenizerJson.bpe(this));
    }

    List<String> vocab() {
        return vocab;
    }

    List<String[]> merges() {
        return merges;
    }

    /** Open-addressing map from an (int, int) pair to a non-negative long. */
    private static final class PairTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        PairTable(int expected) {
            int size = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[size];
            values = new long[size];
            java.util.Arrays.fill(keys, -1L);
            mask = size - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xffffffffL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 40) & mask;
        }

        void putIfAbsent(int a, int b, long value) {
            long k = key(a, b);
            int i = slot(k);
            while (keys[i] != -1L) {
                if (keys[i] == k) {
                    return;
                }
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = value;
        }

        long get(int a, int b) {
            long k = key(a, b);
            int i = slot(k);
            while (keys[i] != -1L) {
                if (keys[i] == k) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return -1L;
        }
    }
}
