package dev.jlm.models.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Downloads model repositories from the Hugging Face Hub into the standard cache layout that {@code huggingface_hub}
 * uses, so both sides share files: {@code <cache>/models--org--name/blobs/<etag>}, {@code snapshots/<commit>/<file>}
 * (a link to the blob) and {@code refs/<revision>} (the commit). Files already in the snapshot are not fetched again.
 *
 * <p>The endpoint is {@code $HF_ENDPOINT} or https://huggingface.co; the cache is {@code $HF_HUB_CACHE},
 * {@code $HF_HOME/hub} or {@code ~/.cache/huggingface/hub}.
 */
public final class HubCache {
    private final URI endpoint;
    private final Path cache;
    private final HttpDownloader http = new HttpDownloader();

    public HubCache(URI endpoint, Path cache) {
        this.endpoint = endpoint;
        this.cache = cache;
    }

    /** The endpoint and cache the environment selects, as huggingface_hub does. */
    public static HubCache fromEnvironment() {
        String endpoint = System.getenv().getOrDefault("HF_ENDPOINT", "https://huggingface.co");
        String hubCache = System.getenv("HF_HUB_CACHE");
        String hfHome = System.getenv("HF_HOME");
        Path cache = hubCache != null ? Path.of(hubCache)
                : hfHome != null ? Path.of(hfHome, "hub")
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
        return new HubCache(HttpDownloader.folder(endpoint), cache);
    }

    public Path cache() {
        return cache;
    }

    /**
     * Makes {@code files} of {@code repo} at {@code revision} present in the cache and returns the snapshot folder.
     * Files listed in {@code optional} may be absent from the repository; any other missing file is an error.
     */
    public Path download(String repo, String revision, List<String> files, List<String> optional,
                         HttpDownloader.Progress progress)
            throws IOException, InterruptedException {
        Path repoDir = cache.resolve("models--" + repo.replace("/", "--"));
        String commit = null;
        List<String> all = new ArrayList<>(files);
        all.addAll(optional);
        Path snapshot = null;
        for (String file : all) {
            Optional<Path> existing = cachedFile(repoDir, revision, file);
            if (existing.isPresent()) {
                snapshot = existing.get().getParent();
                continue;
            }
            URI uri = endpoint.resolve(repo + "/resolve/" + revision + "/" + file);
            Optional<HttpDownloader.Download> found = http.get(uri);
            if (found.isEmpty()) {
                if (optional.contains(file)) {
                    continue;
                }
                throw new IOException(repo + ": file " + file + " not found at revision " + revision + " (" + uri + ")");
            }
            Path blob;
            try (HttpDownloader.Download download = found.get()) {
                String fileCommit = download.headers().firstValue("x-repo-commit").orElse(revision);
                commit = commit == null ? fileCommit : commit;
                String etag = download.headers().firstValue("x-linked-etag")
                        .or(() -> download.headers().firstValue("etag")).orElse(Integer.toHexString(uri.hashCode()))
                        .replace("\"", "").replace("W/", "");
                blob = repoDir.resolve("blobs").resolve(etag);
                download.saveTo(blob, null, file, progress);
            }
            snapshot = repoDir.resolve("snapshots").resolve(commit);
            Path link = snapshot.resolve(file);
            Files.createDirectories(link.getParent());
            Files.deleteIfExists(link);
            try {
                Files.createSymbolicLink(link, link.getParent().relativize(blob));
            } catch (UnsupportedOperationException | IOException noLinks) {
                Files.copy(blob, link);
            }
        }
        if (commit != null) {
            Path ref = repoDir.resolve("refs").resolve(revision);
            Files.createDirectories(ref.getParent());
            Files.writeString(ref, commit);
        }
        if (snapshot == null) {
            throw new IOException(repo + ": none of " + all + " could be found");
        }
        return snapshot;
    }

    /** A file already in the snapshot that {@code refs/<revision>} points to (or that is named by a commit). */
    private static Optional<Path> cachedFile(Path repoDir, String revision, String file) throws IOException {
        Path ref = repoDir.resolve("refs").resolve(revision);
        String commit = Files.exists(ref) ? Files.readString(ref).strip() : revision;
        Path candidate = repoDir.resolve("snapshots").resolve(commit).resolve(file);
        return Files.exists(candidate) ? Optional.of(candidate) : Optional.empty();
    }
}
