package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
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

    /** {@code jlm data reuters --stats}: the ModApte split's figures. */
    @Command(name = "reuters", mixinStandardHelpOptions = true,
            description = "Reuters-21578 statistics: documents read, and the ModApte split restricted to categories with "
                    + "training and test documents (train, test, categories).")
    public static final class Reuters implements Callable<Integer> {
        @Option(names = "--data", description = "Folder of reut2-*.sgm files or reuters21578.tar.gz "
                + "(default: $JLM_DATA/reuters21578 or ~/.cache/jlm/data/reuters21578).")
        Path data;
        @Option(names = "--stats", required = true, description = "Print the statistics.")
        boolean stats;
        @Option(names = "--json", description = "Print {\"documents\":…,\"train\":…,\"test\":…,\"categories\":…}.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<ReutersDocument> documents = Reuters21578.read(source());
            Reuters21578.ModApte split = Reuters21578.modApte(documents);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("documents", documents.size());
            out.put("train", split.train().size());
            out.put("test", split.test().size());
            out.put("categories", split.categories().size());
            if (json) {
                System.out.println(new ObjectMapper().writeValueAsString(out));
            } else {
                out.forEach((k, v) -> System.out.printf("%-12s %,d%n", k, (Integer) v));
            }
            return 0;
        }

        private Path source() throws IOException {
            if (data != null) {
                return data;
            }
            String env = System.getenv("JLM_DATA");
            Path fromEnv = env == null ? null : Path.of(env, "reuters21578");
            Path cache = Path.of(System.getProperty("user.home"), ".cache", "jlm", "data", "reuters21578");
            if (fromEnv != null && Files.exists(fromEnv)) {
                return fromEnv;
            }
            if (Files.exists(cache)) {
                return cache;
            }
            throw new IllegalArgumentException("no Reuters-21578 data: pass --data DIR_OR_TGZ (or set JLM_DATA)");
        }
    }
}
