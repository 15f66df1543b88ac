package dev.jlm.tasks.squad;

import dev.jlm.models.hub.HttpDownloader;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fetches the SQuAD training and development files from the SQuAD explorer (or a mirror of it) into a folder. Each
 * file must have its published SHA-256; a file already there with that checksum is kept, and a download that does
 * not match it is discarded, so the folder never holds a partial or corrupt file.
 */
public final class SquadDownload {
    public static final String OFFICIAL_ENDPOINT = "https://rajpurkar.github.io/SQuAD-explorer/dataset/";

    /** The files of each version, development set first; "all" is both versions. */
    public static final Map<String, List<String>> FILES = Map.of(
            "1.1", List.of("dev-v1.1.json", "train-v1.1.json"),
            "2.0", List.of("dev-v2.0.json", "train-v2.0.json"),
            "all", List.of("dev-v1.1.json", "train-v1.1.json", "dev-v2.0.json", "train-v2.0.json"));

    /** The SHA-256 the SQuAD explorer's files have. */
    public static final Map<String, String> PUBLISHED_SHA256 = Map.of(
            "train-v1.1.json", "3527663986b8295af4f7fcdff1ba1ff3f72d07d61a20f487cb238a6ef92fd955",
            "dev-v1.1.json", "95aa6a52d5d6a735563366753ca50492a658031da74f301ac5238b03966972c9",
            "train-v2.0.json", "68dcfbb971bd3e96d5b46c7177b16c1a4e7d4bdef19fb204502738552dede002",
            "dev-v2.0.json", "80a5225e94905956a6446d296ca1093975c4d3b3260f1d6c8f68bc2ab77182d8");

    /** One file made present: where it is, and whether it was downloaded (false: it was already there, verified). */
    public record Pulled(Path file, boolean downloaded) {
    }

    private final HttpDownloader http = new HttpDownloader();
    private final URI endpoint;
    private final Map<String, String> sha256;

    /** Downloads from {@code endpoint} (the folder holding the files) and checks them against {@code sha256}. */
    public SquadDownload(String endpoint, Map<String, String> sha256) {
        this.endpoint = HttpDownloader.folder(endpoint);
        this.sha256 = sha256;
    }

    /** Makes file {@code name} present in {@code folder} with its checksum, downloading it unless it already is. */
    public Pulled pull(String name, Path folder, HttpDownloader.Progress progress) throws IOException, InterruptedException {
        String expected = sha256.get(name);
        if (expected == null) {
            throw new IllegalArgumentException(name + ": not a SQuAD file (known: " + sha256.keySet() + ")");
        }
        Path target = folder.resolve(name);
        if (Files.isRegularFile(target) && HttpDownloader.sha256(target).equals(expected)) {
            return new Pulled(target, false);
        }
        URI uri = endpoint.resolve(name);
        try (HttpDownloader.Download download = http.get(uri)
                .orElseThrow(() -> new IOException(uri + " answered HTTP 404 (not found)"))) {
            download.saveTo(target, expected, name, progress);
        }
        return new Pulled(target, true);
    }
}
