package dev.jlm.bench;

import java.nio.file.Path;

/** The data sets the benchmarks default to: the compressed copies the project carries in {@code testdata/}. */
final class BenchData {
    static final String REUTERS_DEFAULT = "testdata/data/reuters21578.tar.gz in the checkout";
    static final String SQUAD_DEFAULT = "testdata/data/squad in the checkout";

    private BenchData() {
    }

    static Path reuters(Path given) {
        return given != null ? given : root().resolve("testdata/data/reuters21578.tar.gz");
    }

    static Path squad(Path given) {
        return given != null ? given : root().resolve("testdata/data/squad");
    }

    private static Path root() {
        return Path.of(System.getProperty("jlm.root", "."));
    }
}
