package dev.jlm.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * nanoGPT's shakespeare_char tokenizer: the vocabulary is the sorted set of distinct characters (code points) of the
 * training text, one id per character. Saved as {@code char_tokenizer.json}.
 */
public final class CharTokenizer implements Tokenizer {
    public static final String FILE_NAME = "char_tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int[] chars;
    private final Map<Integer, Integer> ids = new HashMap<>();

    public CharTokenizer(int[] sortedCodePoints) {
        this.chars = sortedCodePoints.clone();
        for (int i = 0; i < chars.length; i++) {
            ids.put(chars[i], i);
        }
    }

    /** The vocabulary of {@code text}: its distinct characters in code-point order. */
    public static CharTokenizer train(String text) {
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new CharTokenizer(set.stream().mapToInt(Integer::intValue).toArray());
    }

    public static CharTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": char tokenizer file not found");
        }
        return read(Files.readAllBytes(file), file.toString());
    }

    /** A {@code char_tokenizer.json}'s content; {@code source} names it in errors. */
    static CharTokenizer read(byte[] json, String source) throws IOException {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.path("type").asText().equals("char") || !node.path("chars").isTextual()) {
            throw new IOException(source + ": not a char tokenizer (expected {\"type\":\"char\",\"chars\":\"...\"})");
        }
        int[] chars = node.get("chars").asText().codePoints().toArray();
        for (int i = 1; i < chars.length; i++) {
            if (chars[i] <= chars[i - 1]) {
                throw new IOException(source + ": \"chars\" must hold distinct characters in code-point order");
            }
        }
        return new CharTokenizer(chars);
    }

    @Override
    public Encoding encode(String text, String pair, EncodeOptions options) {
        if (pair != null) {
            throw new IllegalArgumentException("the char tokenizer encodes single texts, not pairs");
        }
        int[] points = text.codePoints().toArray();
        int n = options.maxLength() > 0 ? Math.min(points.length, options.maxLength()) : points.length;
        int length = Math.max(n, options.padToLength());
        int[] out = new int[length];
        List<String> tokens = new ArrayList<>(length);
        int[][] offsets = new int[length][];
        int[] mask = new int[length];
        int[] sequence = new int[length];
        for (int i = 0; i < length; i++) {
            if (i < n) {
                Integer id = ids.get(points[i]);
                if (id == null) {
                    throw new IllegalArgumentException("character '" + Character.toString(points[i]) + "' (U+"
                            + Integer.toHexString(points[i]).toUpperCase() + ") at position " + i + " is not in the vocabulary");
                }
                out[i] = id;
                tokens.add(Character.toString(points[i]));
                offsets[i] = new int[] {i, i + 1};
                mask[i] = 1;
            } else {
                tokens.add("");
                offsets[i] = new int[] {0, 0};
                sequence[i] = -1;
            }
        }
        int[] special = new int[length];
        for (int i = n; i < length; i++) {
            special[i] = 1;
        }
        return new Encoding(out, tokens, offsets, new int[length], mask, special, sequence, List.of());
    }

    @Override
    public List<Encoding> encodeBatch(List<String> texts, EncodeOptions options) {
        return texts.parallelStream().map(t -> encode(t, null, options)).toList();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        StringBuilder out = new StringBuilder(ids.length);
        for (int id : ids) {
            out.appendCodePoint(chars[checked(id)]);
        }
        return out.toString();
    }

    @Override
    public int vocabSize() {
        return chars.length;
    }

    @Override
    public int tokenToId(String token) {
        return token.codePointCount(0, token.length()) == 1 ? ids.getOrDefault(token.codePointAt(0), -1) : -1;
    }

    @Override
    public String idToToken(int id) {
        return Character.toString(chars[checked(id)]);
    }

    private int checked(int id) {
        if (id < 0 || id >= chars.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + chars.length);
        }
        return id;
    }

    @Override
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        StringBuilder text = new StringBuilder();
        for (int c : chars) {
            text.appendCodePoint(c);
        }
        Path file = directory.resolve(FILE_NAME);
        Path temp = directory.resolve(FILE_NAME + ".tmp");
        Map<String, String> json = new LinkedHashMap<>();
        json.put("type", "char");
        json.put("chars", text.toString());
        JSON.writeValue(temp.toFile(), json);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
