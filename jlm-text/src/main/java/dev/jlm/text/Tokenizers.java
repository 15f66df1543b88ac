package dev.jlm.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a tokenizer by name or path: the one place that knows every tokenizer kind and its files. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A named tokenizer that ships with jlm ({@code bert-base-uncased}, {@code gpt2}), a directory holding {@code tokenizer.json},
     * {@code vocab.txt} or {@code char_tokenizer.json}, or one such file.
     */
    public static Tokenizer load(String nameOrPath) throws IOException {
        if (nameOrPath.equals("bert-base-uncased")) {
            try (var in = Tokenizers.class.getResourceAsStream("/dev/jlm/text/bert-base-uncased/tokenizer.json")) {
                if (in == null) {
                    throw new IOException("bundled bert-base-uncased tokenizer is missing from the jlm-text jar");
                }
                return TokenizerJson.read(in, "bert-base-uncased");
            }
        }
        if (nameOrPath.equals("gpt2")) {
            return gpt2();
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
            throw new IOException(path + ": no tokenizer files (tokenizer.json, vocab.txt or " + CharTokenizer.FILE_NAME + ")");
        }
        if (Files.isRegularFile(path)) {
            return loadFile(path);
        }
        throw new IOException("tokenizer '" + nameOrPath + "' is neither a known name (bert-base-uncased, gpt2) nor an existing path");
    }

    private static volatile BpeTokenizer gpt2;

    /** GPT-2's byte-level BPE, built from the bundled r50k_base ranks (the encoding GPT-2 uses) once per process. */
    private static BpeTokenizer gpt2() throws IOException {
        if (gpt2 == null) {
            synchronized (Tokenizers.class) {
                if (gpt2 == null) {
                    try (var in = Tokenizers.class.getResourceAsStream("/dev/jlm/text/gpt2/r50k_base.tiktoken.gz")) {
                        if (in == null) {
                            throw new IOException("bundled GPT-2 ranks are missing from the jlm-text jar");
                        }
                        gpt2 = BpeTokenizer.fromTiktoken(new java.util.zip.GZIPInputStream(in), "gpt2",
                                java.util.Map.of("<|endoftext|>", 50256));
                    }
                }
            }
        }
        return gpt2;
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
                return BpeTokenizer.fromTiktoken(in, file.toString(), java.util.Map.of());
            }
        }
        return TokenizerJson.read(file);
    }
}
