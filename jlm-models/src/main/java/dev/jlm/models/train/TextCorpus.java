package dev.jlm.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * A text corpus for language-model pretraining: one file or a folder of {@code .txt} files, tokenized once into
 * nanoGPT-style {@code train.bin} / {@code val.bin} (the first 90% / last 10% of the token stream) with a
 * {@code meta.json} naming the vocabulary size.
 */
public final class TextCorpus {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Train and validation token streams. */
    public record Splits(TokenDataset train, TokenDataset val) {
    }

    private TextCorpus() {
    }

    /** tiny Shakespeare (1.1 MB), bundled with jlm as the default corpus. */
    public static String tinyShakespeare() throws IOException {
        try (InputStream in = TextCorpus.class.getResourceAsStream("/dev/jlm/models/data/tinyshakespeare.txt.gz")) {
            if (in == null) {
                throw new IOException("bundled tiny Shakespeare is missing from the jlm-models jar");
            }
            return new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The text of a file, or of every {@code .txt} file under a folder (sorted by path), joined. */
    public static String read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new IOException(path + ": corpus not found");
        }
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> walk = Files.walk(path)) {
                walk.filter(p -> Files.isRegularFile(p) && p.toString().endsWith(".txt")).sorted().forEach(files::add);
            }
            if (files.isEmpty()) {
                throw new IOException(path + ": folder holds no .txt files");
            }
        } else {
            files.add(path);
        }
        StringBuilder text = new StringBuilder();
        for (Path file : files) {
            try {
                text.append(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))));
            } catch (CharacterCodingException e) {
                throw new IOException(file + ": not UTF-8 text");
            }
        }
        if (text.isEmpty()) {
            throw new IOException(path + ": corpus is empty");
        }
        return text.toString();
    }

    /**
     * Tokenizes {@code text} and writes the splits into {@code directory}; or, when {@code train.bin} and
     * {@code val.bin} are already there for the same vocabulary size, reads them back.
     */
    public static Splits prepare(String text, Tokenizer tokenizer, Path directory) throws IOException {
        Path trainFile = directory.resolve("train.bin");
        Path valFile = directory.resolve("val.bin");
        Path metaFile = directory.resolve("meta.json");
        int vocab = tokenizer.vocabSize();
        if (Files.exists(trainFile) && Files.exists(valFile) && Files.exists(metaFile)) {
            JsonNode meta = JSON.readTree(metaFile.toFile());
            if (meta.path("vocab_size").asInt() == vocab) {
                return new Splits(TokenDataset.read(trainFile, vocab), TokenDataset.read(valFile, vocab));
            }
        }
        int[] ids = tokenize(text, tokenizer);
        if (ids.length < 20) {
            throw new IllegalArgumentException("corpus has only " + ids.length + " tokens; it needs far more to train on");
        }
        int cut = (int) (ids.length * 0.9);
        TokenDataset train = new TokenDataset(Arrays.copyOfRange(ids, 0, cut));
        TokenDataset val = new TokenDataset(Arrays.copyOfRange(ids, cut, ids.length));
        Files.createDirectories(directory);
        train.write(trainFile, vocab);
        val.write(valFile, vocab);
        JSON.writeValue(metaFile.toFile(), Map.of("vocab_size", vocab, "train_tokens", train.size(), "val_tokens", val.size()));
        return new Splits(train, val);
    }

    /** The whole text's ids, encoded in line-aligned pieces on all cores. */
    static int[] tokenize(String text, Tokenizer tokenizer) {
        List<String> pieces = new ArrayList<>();
        int chunk = 1 << 16;
        for (int start = 0; start < text.length(); ) {
            int end = Math.min(text.length(), start + chunk);
            int newline = text.indexOf('\n', end);
            end = newline < 0 || end == text.length() ? text.length() : newline + 1;
            pieces.add(text.substring(start, end));
            start = end;
        }
        EncodeOptions plain = EncodeOptions.DEFAULT.withoutSpecialTokens();
        return tokenizer.encodeBatch(pieces, plain).stream().flatMapToInt(e -> Arrays.stream(e.ids())).toArray();
    }
}
