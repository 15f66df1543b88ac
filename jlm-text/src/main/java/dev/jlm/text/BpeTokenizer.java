package dev.jlm.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GPT-2's byte-level BPE: text is split by GPT-2's pre-tokenizer, each piece's UTF-8 bytes start as single-byte
 * tokens, and the adjacent pair with the lowest merge rank is merged until none applies. Decoding maps tokens back to
 * the exact bytes. Loads {@code vocab.json} + {@code merges.txt}, {@code tokenizer.json} and tiktoken rank files.
 *
 * <p>Offsets count code points of the input; a token holding only some bytes of a character spans that whole
 * character, as in Hugging Face tokenizers (so two neighbouring tokens may share it).
 */
public final class BpeTokenizer extends PipelineTokenizer {
    /** Words longer than this (in bytes) merge through a heap instead of rescanning every pair per merge. */
    private static final int LONG_WORD = 48;

    private final String[] vocab;
    private final List<String[]> merges;
    /** (left id, right id) → merge rank and merged id, packed as rank << 32 | id. */
    private final PairTable pairs;
    private final int[] byteIds = new int[256];
    /** The bytes each id decodes to. */
    private final byte[][] tokenBytes;
    private final WordCache cache = new WordCache();

    /*
     * A tokenized pre-token is cached as one int array, so that a cache hit reads a single object:
     * [hash, char count n, code point count, the n chars, then (id, start, end) per token] with spans in code points
     * from the word's start.
     */
    private static final int HASH = 0;
    private static final int LENGTH = 1;
    private static final int CODE_POINTS = 2;
    private static final int KEY = 3;

    BpeTokenizer(List<String> vocab, List<String[]> merges, List<AddedToken> added, Template template) {
        this(vocab, idsOf(vocab), merges, added, template);
    }

    private BpeTokenizer(List<String> vocab, Map<String, Integer> ids, List<String[]> merges, List<AddedToken> added,
                         Template template) {
        super(added, template, null, vocab);
        this.vocab = vocab.toArray(String[]::new);
        this.merges = List.copyOf(merges);
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]));
            if (id == null) {
                throw new IllegalArgumentException("the vocabulary lacks the byte-level token for byte " + b);
            }
            byteIds[b] = id;
        }
        this.pairs = new PairTable(merges.size());
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
        this.tokenBytes = new byte[this.vocab.length][];
        for (int id = 0; id < tokenBytes.length; id++) {
            byte[] raw = ByteLevel.decodeString(this.vocab[id]);
            // A token with characters outside the byte alphabet (an added token such as "[ PAD ]") stands for its own
            // text, as in Hugging Face's ByteLevel decoder.
            tokenBytes[id] = raw != null ? raw : this.vocab[id].getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Token → id (the first id of a repeated token). */
    private static Map<String, Integer> idsOf(List<String> vocab) {
        Map<String, Integer> ids = HashMap.newHashMap(vocab.size());
        for (int id = 0; id < vocab.size(); id++) {
            ids.putIfAbsent(vocab.get(id), id);
        }
        return ids;
    }

    // ---------------------------------------------------------------- loading

    private static final JsonFactory VOCAB_JSON = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build();

    /** {@code vocab.json} (token → id) and {@code merges.txt} (one "left right" pair per line, by priority). */
    public static BpeTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) throws IOException {
        if (!Files.isRegularFile(vocabJson)) {
            throw new IOException(vocabJson + ": vocabulary file not found");
        }
        if (!Files.isRegularFile(mergesTxt)) {
            throw new IOException(mergesTxt + ": merges file not found");
        }
        return fromVocabAndMerges(Files.readAllBytes(vocabJson), vocabJson.toString(), Files.readAllBytes(mergesTxt),
                mergesTxt.toString());
    }

    /**
     * The two files' contents, named {@code vocabSource} and {@code mergesSource} in errors. As in GPT-2's files,
     * {@code <|endoftext|>}, when in the vocabulary, is a special token matched in raw text.
     */
    static BpeTokenizer fromVocabAndMerges(byte[] vocabJson, String vocabSource, byte[] mergesTxt, String mergesSource)
            throws IOException {
        List<String> vocab = readVocabJson(vocabJson, vocabSource);
        Map<String, Integer> ids = idsOf(vocab);
        List<String[]> merges = readMerges(mergesTxt, mergesSource, ids, Path.of(vocabSource).getFileName().toString());
        List<AddedToken> added = new ArrayList<>();
        Integer endOfText = ids.get("<|endoftext|>");
        if (endOfText != null) {
            added.add(new AddedToken("<|endoftext|>", endOfText, true));
        }
        try {
            return new BpeTokenizer(vocab, ids, merges, added, Template.NONE);
        } catch (IllegalArgumentException e) {
            throw new IOException(vocabSource + ": " + e.getMessage());
        }
    }

    /**
     * A {@code vocab.json} (token → id) as a list indexed by id. Read as a stream of JSON tokens without field-name
     * canonicalization: GPT-2's 50,257 entries load several times faster than as a tree.
     */
    private static List<String> readVocabJson(byte[] json, String source) throws IOException {
        List<String> tokens = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        try (JsonParser parser = VOCAB_JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(source + ": the vocabulary must be a non-empty JSON object of token → id");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String token = parser.currentName();
                if (parser.nextToken() != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() != JsonParser.NumberType.INT) {
                    throw new IOException(source + ": vocabulary entry '" + token + "' has an invalid id " + parser.getText());
                }
                tokens.add(token);
                ids.add(parser.getIntValue());
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new IOException(source + ": not valid JSON (unexpected " + parser.currentToken() + " in the vocabulary)");
            }
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (tokens.isEmpty()) {
            throw new IOException(source + ": the vocabulary must be a non-empty JSON object of token → id");
        }
        String[] byId = new String[tokens.size()];
        for (int i = 0; i < byId.length; i++) {
            int id = ids.get(i);
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new IOException(source + ": vocabulary entry '" + tokens.get(i) + "' has an invalid or repeated id " + id);
            }
            byId[id] = tokens.get(i);
        }
        return List.of(byId);
    }

    /** The merges of a {@code merges.txt}, each checked against the vocabulary so that errors name the line. */
    private static List<String[]> readMerges(byte[] content, String source, Map<String, Integer> ids, String vocabName)
            throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(source + ": not UTF-8 text");
        }
        List<String[]> merges = new ArrayList<>();
        int number = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end;
            String line = text.substring(start, end > start && text.charAt(end - 1) == '\r' ? end - 1 : end);
            start = end + 1;
            number++;
            if (line.isEmpty() || (number == 1 && line.startsWith("#version"))) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new IOException(source + ": line " + number + " is not two tokens separated by one space: '" + line + "'");
            }
            String[] pair = {line.substring(0, space), line.substring(space + 1)};
            for (String token : new String[] {pair[0], pair[1], pair[0] + pair[1]}) {
                if (!ids.containsKey(token)) {
                    throw new IOException(source + ": line " + number + " ('" + line + "') needs the token '" + token
                            + "', which " + vocabName + " lacks");
                }
            }
            merges.add(pair);
        }
        return merges;
    }

    /**
     * A tiktoken rank file (base64 token bytes and rank per line), plus special tokens at their ids. The merges are
     * recovered from the ranks: going up in rank, a token's merge is the pair that BPE over its bytes with the merges
     * of all lower-ranked tokens ends with (as Hugging Face converts tiktoken files).
     */
    public static BpeTokenizer fromTiktoken(InputStream in, String source, Map<String, Integer> specialTokens) throws IOException {
        List<byte[]> byRank = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.split(" ");
                byte[] bytes = null;
                int rank = -1;
                if (parts.length == 2) {
                    try {
                        bytes = Base64.getDecoder().decode(parts[0]);
                        rank = Integer.parseInt(parts[1]);
                    } catch (IllegalArgumentException e) {
                        bytes = null;
                    }
                }
                if (bytes == null || bytes.length == 0 || rank < 0) {
                    throw new IOException(source + ": line " + number + " is not '<base64 token> <rank>': '" + line + "'");
                }
                while (byRank.size() <= rank) {
                    byRank.add(null);
                }
                if (byRank.get(rank) != null) {
                    throw new IOException(source + ": line " + number + " repeats rank " + rank);
                }
                byRank.set(rank, bytes);
            }
        }
        int missing = byRank.indexOf(null);
        if (byRank.isEmpty() || missing >= 0) {
            throw new IOException(source + ": ranks must run from 0 without gaps" + (missing >= 0 ? " (rank " + missing + " is missing)" : ""));
        }
        List<String> vocab = new ArrayList<>();
        byRank.forEach(bytes -> vocab.add(ByteLevel.encodeBytes(bytes, 0, bytes.length)));
        List<String[]> merges = recoverMerges(vocab, source);
        List<AddedToken> added = new ArrayList<>();
        for (Map.Entry<String, Integer> special : specialTokens.entrySet()) {
            while (vocab.size() <= special.getValue()) {
                vocab.add(null);
            }
            if (vocab.get(special.getValue()) != null) {
                throw new IOException(source + ": special token " + special.getKey() + " takes id " + special.getValue()
                        + ", which a ranked token already has");
            }
            vocab.set(special.getValue(), special.getKey());
            added.add(new AddedToken(special.getKey(), special.getValue(), true));
        }
        if (vocab.contains(null)) {
            throw new IOException(source + ": special token ids leave id " + vocab.indexOf(null) + " unused");
        }
        try {
            return new BpeTokenizer(vocab, merges, added, Template.NONE);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage());
        }
    }

    /** The merges behind ranked tokens (id = rank), found with the tokenizer's own BPE as the table grows. */
    private static List<String[]> recoverMerges(List<String> vocab, String source) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        int[] byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < vocab.size(); id++) {
            String token = vocab.get(id);
            if (ids.putIfAbsent(token, id) != null) {
                throw new IOException(source + ": rank " + id + " repeats the token of rank " + ids.get(token));
            }
            if (token.length() == 1) {
                byteIds[ByteLevel.CHAR_TO_BYTE[token.charAt(0)]] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteIds[b] < 0) {
                throw new IOException(source + ": no token for the single byte " + b);
            }
        }
        PairTable pairs = new PairTable(vocab.size());
        List<String[]> merges = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            byte[] bytes = ByteLevel.decodeString(vocab.get(id));
            if (bytes.length < 2) {
                continue;
            }
            int[] parts = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                parts[i] = byteIds[bytes[i] & 0xff];
            }
            int n = bpe(parts, parts.length, pairs);
            if (n != 2) {
                throw new IOException(source + ": the token of rank " + id + " is not a merge of two lower-ranked tokens");
            }
            pairs.putIfAbsent(parts[0], parts[1], ((long) merges.size() << 32) | id);
            merges.add(new String[] {vocab.get(parts[0]), vocab.get(parts[1])});
        }
        return merges;
    }

    // ---------------------------------------------------------------- encoding

    @Override
    void encodeText(String text, int from, int to, int codePointBase, Piece.Builder out) {
        char[] chars = new char[to - from];
        text.getChars(from, to, chars, 0);
        ByteLevel.split(chars, 0, chars.length, new ByteLevel.Splits() {
            int codePoint = codePointBase;

            @Override
            public void piece(int start, int end) {
                int[] word = word(chars, start, end);
                for (int k = KEY + word[LENGTH]; k < word.length; k += 3) {
                    out.add(word[k], vocab[word[k]], codePoint + word[k + 1], codePoint + word[k + 2]);
                }
                codePoint += word[CODE_POINTS];
            }
        });
    }

    /** The tokens of one pre-token, from the cache when it has been seen. */
    private int[] word(char[] chars, int start, int end) {
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + chars[i];
        }
        int[] word = cache.get(chars, start, end, hash);
        if (word == null) {
            word = tokenizeWord(chars, start, end, hash);
            cache.put(word);
        }
        return word;
    }

    /** UTF-8 encodes the word, remembering each byte's code point, runs BPE and maps tokens back to code points. */
    private int[] tokenizeWord(char[] chars, int start, int end, int hash) {
        byte[] bytes = new byte[(end - start) * 3];
        int[] parts = new int[bytes.length];
        int[] codePointOfByte = new int[bytes.length];
        int n = 0;
        int codePoints = 0;
        for (int i = start; i < end; codePoints++) {
            int cp = Character.codePointAt(chars, i, end);
            i += Character.charCount(cp);
            int stop = utf8(cp, bytes, n);
            for (; n < stop; n++) {
                codePointOfByte[n] = codePoints;
                parts[n] = byteIds[bytes[n] & 0xff];
            }
        }
        n = bpe(parts, n, pairs);
        int key = KEY + end - start;
        int[] word = new int[key + 3 * n];
        word[HASH] = hash;
        word[LENGTH] = end - start;
        word[CODE_POINTS] = codePoints;
        for (int i = start; i < end; i++) {
            word[KEY + i - start] = chars[i];
        }
        int at = 0;
        for (int k = 0; k < n; k++) {
            word[key + 3 * k] = parts[k];
            word[key + 3 * k + 1] = codePointOfByte[at];
            at += tokenBytes[parts[k]].length;
            word[key + 3 * k + 2] = codePointOfByte[at - 1] + 1;
        }
        return word;
    }

    /** Writes the UTF-8 bytes of {@code cp} at {@code at}; a lone surrogate becomes '?', as in {@code String.getBytes}. */
    private static int utf8(int cp, byte[] out, int at) {
        if (cp < 0x80) {
            out[at++] = (byte) cp;
        } else if (cp < 0x800) {
            out[at++] = (byte) (0xC0 | cp >> 6);
            out[at++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            if (Character.isSurrogate((char) cp)) {
                out[at++] = '?';
            } else {
                out[at++] = (byte) (0xE0 | cp >> 12);
                out[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[at++] = (byte) (0x80 | cp & 0x3F);
            }
        } else {
            out[at++] = (byte) (0xF0 | cp >> 18);
            out[at++] = (byte) (0x80 | cp >> 12 & 0x3F);
            out[at++] = (byte) (0x80 | cp >> 6 & 0x3F);
            out[at++] = (byte) (0x80 | cp & 0x3F);
        }
        return at;
    }

    /** BPE over {@code parts[0, n)}: merge the adjacent pair of lowest rank (leftmost on ties) until none applies. */
    static int bpe(int[] parts, int n, PairTable pairs) {
        if (n > LONG_WORD) {
            return bpeWithHeap(parts, n, pairs);
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
        return n;
    }

    /**
     * The same merges in O(n log n) for long words: parts form a linked list, candidate pairs wait in a heap ordered by
     * (rank, position), and an entry whose pair has changed since it was queued is skipped.
     */
    private static int bpeWithHeap(int[] parts, int n, PairTable pairs) {
        int[] next = new int[n];
        int[] prev = new int[n];
        PriorityQueue<Long> heap = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            if (i + 1 < n) {
                queue(heap, pairs, parts, i, i + 1);
            }
        }
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int at = (int) top;
            int right = next[at];
            if (parts[at] < 0 || right < 0 || (pairs.get(parts[at], parts[right]) >>> 32) != top >>> 32) {
                continue;
            }
            parts[at] = (int) pairs.get(parts[at], parts[right]);
            parts[right] = -1;
            next[at] = next[right];
            if (next[at] >= 0) {
                prev[next[at]] = at;
                queue(heap, pairs, parts, at, next[at]);
            }
            if (prev[at] >= 0) {
                queue(heap, pairs, parts, prev[at], at);
            }
        }
        int count = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            parts[count++] = parts[i];
        }
        return count;
    }

    private static void queue(PriorityQueue<Long> heap, PairTable pairs, int[] parts, int left, int right) {
        long entry = pairs.get(parts[left], parts[right]);
        if (entry >= 0) {
            heap.add((entry >>> 32) << 32 | left);
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id < 0 || id >= tokenBytes.length) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + tokenBytes.length);
            }
            if (!(skipSpecialTokens && isSpecial(id))) {
                bytes.writeBytes(tokenBytes[id]);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, Integer> vocabJson = new LinkedHashMap<>();
        for (int id = 0; id < vocab.length; id++) {
            vocabJson.put(vocab[id], id);
        }
        new ObjectMapper().writeValue(directory.resolve("vocab.json").toFile(), vocabJson);
        StringBuilder lines = new StringBuilder("#version: 0.2\n");
        merges.forEach(m -> lines.append(m[0]).append(' ').append(m[1]).append('\n'));
        Files.writeString(directory.resolve("merges.txt"), lines);
        TokenizerJson.write(directory.resolve("tokenizer.json"), TokenizerJson.bpe(this));
    }

    List<String> vocab() {
        return Collections.unmodifiableList(Arrays.asList(vocab));
    }

    List<String[]> merges() {
        return merges;
    }

    /**
     * Tokenized words shared by all threads without locks: open addressing over word arrays, doubling up to
     * {@code 1 << MAX_BITS} slots and starting over when that is half full. Slots are written with release and read
     * with acquire semantics, so a reader sees a word's array complete. A writer racing another may overwrite its
     * entry, which only costs a recomputation later; the atomic count keeps the table at most about half full, so
     * probes always reach an empty slot.
     */
    private static final class WordCache {
        private static final int MAX_BITS = 18;
        private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(int[][].class);
        private volatile int[][] table = new int[1 << 12][];
        private final AtomicInteger size = new AtomicInteger();

        int[] get(char[] chars, int start, int end, int hash) {
            int[][] slots = table;
            int mask = slots.length - 1;
            int length = end - start;
            for (int i = spread(hash) & mask; ; i = (i + 1) & mask) {
                int[] word = (int[]) SLOT.getAcquire(slots, i);
                if (word == null) {
                    return null;
                }
                if (word[HASH] == hash && word[LENGTH] == length && sameChars(word, chars, start, length)) {
                    return word;
                }
            }
        }

        private static boolean sameChars(int[] word, char[] chars, int start, int length) {
            for (int i = 0; i < length; i++) {
                if (word[KEY + i] != chars[start + i]) {
                    return false;
                }
            }
            return true;
        }

        void put(int[] word) {
            int[][] slots = table;
            if (size.get() >= slots.length / 2) {
                slots = grow(slots);
            }
            insert(slots, word);
            size.incrementAndGet();
        }

        private synchronized int[][] grow(int[][] full) {
            if (table != full) {
                return table;
            }
            int[][] bigger = new int[Math.min(full.length * 2, 1 << MAX_BITS)][];
            int kept = 0;
            if (bigger.length > full.length) {
                for (int i = 0; i < full.length; i++) {
                    int[] word = (int[]) SLOT.getAcquire(full, i);
                    if (word != null) {
                        insert(bigger, word);
                        kept++;
                    }
                }
            }
            size.set(kept);
            table = bigger;
            return bigger;
        }

        private static void insert(int[][] slots, int[] word) {
            int mask = slots.length - 1;
            int i = spread(word[HASH]) & mask;
            while (SLOT.getAcquire(slots, i) != null) {
                i = (i + 1) & mask;
            }
            SLOT.setRelease(slots, i, word);
        }

        private static int spread(int hash) {
            int h = hash * 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }

    /** Open-addressing map from an (int, int) pair to a non-negative long; -1 when absent. */
    static final class PairTable {
        private final long[] keys;
        private final long[] values;
        private final int mask;

        PairTable(int expected) {
            int size = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
            keys = new long[size];
            values = new long[size];
            Arrays.fill(keys, -1L);
            mask = size - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xffffffffL);
        }

        private int slot(long key) {
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
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
