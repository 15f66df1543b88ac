package dev.jlm.text;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Finds a tokenizer by name or path: the one place that knows every tokenizer kind and its files. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A named tokenizer that ships with jlm ({@code bert-base-uncased}, {@code gpt2}, {@code char}: nanoGPT's
     * shakespeare_char), a directory holding {@code tokenizer.json}, {@code vocab.json} + {@code merges.txt},
     * {@code vocab.txt} or {@code char_tokenizer.json}, or one such file (or a tiktoken {@code .tiktoken} rank file).
     */
    public static Tokenizer load(String nameOrPath) throws IOException {
        switch (nameOrPath) {
            case "bert-base-uncased" -> {
                return TokenizerJson.read(new ByteArrayInputStream(bundled("bert-base-uncased/tokenizer.json")), nameOrPath);
            }
            case "gpt2" -> {
                return gpt2();
            }
            case "char" -> {
                return CharTokenizer.read(bundled("char/" + CharTokenizer.FILE_NAME), nameOrPath);
            }
            default -> {
            }
        }
        Path path = Path.of(nameOrPath);
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("vocab.json")) && Files.isRegularFile(path.resolve("merges.txt"))
                    && !Files.isRegularFile(path.resolve("tokenizer.json"))) {
                return BpeTokenizer.fromVocabAndMerges(path.resolve("vocab.json"), path.resolve("merges.txt"));
            }
            for (String name : new String[] {"tokenizer.json", CharTokenizer.FILE_NAME, "vocab.txt"}) {
                if (Files.isRegularFile(path.resolve(name))) {
                    return loadFile(path.resolve(name));
                }
            }
            throw new IOException(path + ": no tokenizer files (tokenizer.json, vocab.json + merges.txt, vocab.txt or "
                    + CharTokenizer.FILE_NAME + ")");
        }
        if (Files.isRegularFile(path)) {
            return loadFile(path);
        }
        throw new IOException("tokenizer '" + nameOrPath + "' is neither a known name (bert-base-uncased, gpt2, char) nor an existing path");
    }

    private static volatile BpeTokenizer gpt2;

    /**
     * GPT-2's byte-level BPE from the bundled {@code vocab.json} and {@code merges.txt} (derived from the public
     * r50k_base ranks, see the README next to them), built once per process.
     */
    private static BpeTokenizer gpt2() throws IOException {
        if (gpt2 == null) {
            synchronized (Tokenizers.class) {
                if (gpt2 == null) {
                    gpt2 = BpeTokenizer.fromVocabAndMerges(gunzip(bundled("gpt2/vocab.json.gz")), "gpt2/vocab.json",
                            gunzip(bundled("gpt2/merges.txt.gz")), "gpt2/merges.txt");
                }
            }
        }
        return gpt2;
    }

    private static byte[] bundled(String resource) throws IOException {
        try (InputStream in = Tokenizers.class.getResourceAsStream("/dev/jlm/text/" + resource)) {
            if (in == null) {
                throw new IOException("bundled tokenizer file " + resource + " is missing from the jlm-text jar");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] gunzip(byte[] compressed) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        }
    }

    private static Tokenizer loadFile(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.equals(CharTokenizer.FILE_NAME)) {
            return CharTokenizer.load(file);
        }
        if (name.endsWith(".txt")) {
            return WordPieceTokenizer.fromVocabTxt(file, true);
        }
        if (name.endsWith(".tiktoken")) {
            try (var in = Files.newInputStream(file)) {
                return BpeTokenizer.fromTiktoken(in, file.toString(), Map.of());
            }
        }
        return TokenizerJson.read(file);
    }
}
