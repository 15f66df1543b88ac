package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm data ...}: data-set tools. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data-set tools.", subcommands = {DataCommand.Reuters.class})
public final class DataCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code jlm data reuters --stats}: the collection's and the ModApte split's figures. */
    @Command(name = "reuters", mixinStandardHelpOptions = true,
            description = {"Reuters-21578 statistics for the ModApte split:",
                    "  documents   all documents read (21,578 in the distribution)",
                    "  train/test  ModApte documents with one of the categories: 7,769 / 3,019",
                    "  categories  categories with training and test documents: 90"})
    public static final class Reuters implements Callable<Integer> {
        @Option(names = "--data", description = "Folder of reut2-NNN.sgm files or reuters21578.tar.gz (default: "
                + "reuters21578 or reuters21578.tar.gz under $JLM_DATA or ~/.cache/jlm/data).")
        Path data;
        @Option(names = "--stats", required = true, description = "Print the statistics.")
        boolean stats;
        @Option(names = "--json", description = "Print {\"documents\":…,\"train\":…,\"test\":…,\"categories\":…} as the last line.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<ReutersDocument> documents = Reuters21578.read(data != null ? data
                    : defaultSource(System.getenv("JLM_DATA"), Path.of(System.getProperty("user.home"))));
            Reuters21578.ModApte split = Reuters21578.modApte(documents);
            Map<String, Integer> out = new LinkedHashMap<>();
            out.put("documents", documents.size());
            out.put("train", split.train().size());
            out.put("test", split.test().size());
            out.put("categories", split.categories().size());
            if (json) {
                System.out.println(new ObjectMapper().writeValueAsString(out));
            } else {
                out.forEach((k, v) -> System.out.printf("%-12s %,d%n", k, v));
            }
            return 0;
        }

        /** reuters21578 (folder or .tar.gz) under $JLM_DATA, then under ~/.cache/jlm/data. */
        static Path defaultSource(String jlmData, Path home) {
            for (Path dir : jlmData == null ? List.of(home.resolve(".cache/jlm/data"))
                    : List.of(Path.of(jlmData), home.resolve(".cache/jlm/data"))) {
                for (String name : List.of("reuters21578", "reuters21578.tar.gz")) {
                    if (Files.exists(dir.resolve(name))) {
                        return dir.resolve(name);
                    }
                }
            }
            throw new IllegalArgumentException("no Reuters-21578 data: pass --data DIR_OR_TGZ (or put reuters21578 under "
                    + (jlmData == null ? "" : jlmData + " or ") + home.resolve(".cache/jlm/data") + ")");
        }
    }
}
