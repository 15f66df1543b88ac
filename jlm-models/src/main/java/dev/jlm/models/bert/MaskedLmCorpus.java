package dev.jlm.models.bert;

import dev.jlm.models.train.TextCorpus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Documents for masked-LM pretraining: one per non-blank line, the first 95% to train on and the rest (at least one)
 * held out for evaluation.
 */
public record MaskedLmCorpus(List<String> train, List<String> heldOut) {

    /** The lines of UTF-8 text files (or folders of {@code .txt} files, {@link TextCorpus#read}), in order. */
    public static MaskedLmCorpus read(List<Path> files) throws IOException {
        List<String> documents = new ArrayList<>();
        for (Path file : files) {
            for (String line : TextCorpus.read(file).split("\n")) {
                if (!line.isBlank()) {
                    documents.add(line);
                }
            }
        }
        return of(documents);
    }

    public static MaskedLmCorpus of(List<String> documents) {
        int cut = Math.max(1, (int) (documents.size() * 0.95));
        if (cut >= documents.size()) {
            throw new IllegalArgumentException("need at least two documents (lines) to keep some for evaluation");
        }
        return new MaskedLmCorpus(List.copyOf(documents.subList(0, cut)), List.copyOf(documents.subList(cut, documents.size())));
    }
}
