package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.tasks.squad.SquadDownload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm data ...}: data-set tools. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data-set tools.", subcommands = {DataCommand.Reuters.class, DataCommand.Pull.class})
public final class DataCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** Where data sets live: $JLM_DATA (when set), then ~/.cache/jlm/data. */
    static List<Path> dataFolders(String jlmData, Path home) {
        Path cache = home.resolve(".cache/jlm/data");
        return jlmData == null ? List.of(cache) : List.of(Path.of(jlmData), cache);
    }

    /** {@code jlm data pull ...}: downloads of data sets. */
    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Download a data set.",
            subcommands = {PullSquad.class})
    public static final class Pull implements Runnable {
        @Override
        public void run() {
            picocli.CommandLine.usage(this, System.out);
        }
    }

    /** {@code jlm data pull squad}: the SQuAD training and development files, checked against their checksums. */
    @Command(name = "squad", description = {"Download the SQuAD train and dev JSON files (verified by SHA-256; files "
            + "already present with the right checksum are kept).",
            "The endpoint is --endpoint, else $JLM_SQUAD_ENDPOINT, else the SQuAD explorer."})
    public static final class PullSquad implements Callable<Integer> {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;
        @Option(names = "--version", description = "1.1, 2.0 or all (default: ${DEFAULT-VALUE}).")
        String version = "1.1";
        @Option(names = "--out", description = "Folder for the files (default: squad under $JLM_DATA, else under "
                + "~/.cache/jlm/data).")
        Path out;
        @Option(names = "--endpoint", description = "URL of the folder holding the files (default: ${DEFAULT-VALUE}).",
                defaultValue = "${env:JLM_SQUAD_ENDPOINT:-" + SquadDownload.OFFICIAL_ENDPOINT + "}")
        String endpoint;

        @Override
        public Integer call() throws Exception {
            List<String> files = SquadDownload.FILES.get(version);
            if (files == null) {
                throw new IllegalArgumentException("--version " + version + ": expected 1.1, 2.0 or all");
            }
            Path folder = out != null ? out
                    : dataFolders(System.getenv("JLM_DATA"), Path.of(System.getProperty("user.home"))).getFirst().resolve("squad");
            SquadDownload squad = new SquadDownload(endpoint, SquadDownload.PUBLISHED_SHA256);
            for (String file : files) {
                SquadDownload.Pulled pulled = squad.pull(file, folder, new DownloadProgress());
                System.out.printf("%-10s %s%n", pulled.downloaded() ? "downloaded" : "present", pulled.file());
            }
            return 0;
        }
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
            for (Path dir : dataFolders(jlmData, home)) {
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
