package dev.jlm.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a tokenizer by name or path: the one place that knows every tokenizer kind and its files. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * A named tokenizer that ships with jlm ({@code bert-base-uncased}), a directory holding {@code tokenizer.json},
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
        Path path = Path.of(nameOrPath);
        if (Files.isDirectory(path)) {
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
        throw new IOException("tokenizer '" + nameOrPath + "' is neither a known name (bert-base-uncased) nor an existing path");
    }

    private static Tokenizer loadFile(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.equals(CharTokenizer.FILE_NAME)) {
            return CharTokenizer.load(file);
        }
        if (name.endsWith(".txt")) {
            return WordPieceTokenizer.fromVocabTxt(file, true);
        }
        return TokenizerJson.read(file);
    }
}
