package dev.jlm.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds a tokenizer by name or path: the one place that knows every tokenizer kind and its files. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /** Loads from a directory (with {@code char_tokenizer.json}) or from that file itself. */
    public static Tokenizer load(String nameOrPath) throws IOException {
        Path path = Path.of(nameOrPath);
        if (Files.isDirectory(path)) {
            Path chars = path.resolve(CharTokenizer.FILE_NAME);
            if (Files.isRegularFile(chars)) {
                return CharTokenizer.load(chars);
            }
            throw new IOException(path + ": no tokenizer files (" + CharTokenizer.FILE_NAME + ")");
        }
        if (Files.isRegularFile(path)) {
            if (path.getFileName().toString().equals(CharTokenizer.FILE_NAME)) {
                return CharTokenizer.load(path);
            }
            throw new IOException(path + ": not a known tokenizer file");
        }
        throw new IOException("tokenizer '" + nameOrPath + "' is neither a known name nor an existing path");
    }
}
