package dev.jlm.tasks;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the read-only shared data folder ({@code ../shared} next to the checkout) for tests. */
public final class Shared {
    private Shared() {
    }

    public static Path path(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("shared").resolve(relative), dir.resolveSibling("shared").resolve(relative)}) {
                if (Files.exists(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("shared test data '" + relative + "' not found next to the checkout (../shared)");
    }
}
