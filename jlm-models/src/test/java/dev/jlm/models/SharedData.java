package dev.jlm.models;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the read-only shared data folder ({@code ../shared} next to the checkout) for tests. */
public final class SharedData {
    private SharedData() {
    }

    public static Path path(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        for (; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
            Path sibling = dir.resolveSibling("shared").resolve(relative);
            if (Files.exists(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("shared test data '" + relative + "' not found next to the checkout (../shared)");
    }
}
