package dev.jlm.models.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
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
    private final HttpClient http;

    public HubCache(URI endpoint, Path cache) {
        this.endpoint = endpoint;
        this.cache = cache;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** The endpoint and cache the environment selects, as huggingface_hub does. */
    public static HubCache fromEnvironment() {
        String endpoint = System.getenv().getOrDefault("HF_ENDPOINT", "https://huggingface.co");
        String hubCache = System.getenv("HF_HUB_CACHE");
        String hfHome = System.getenv("HF_HOME");
        Path cache = hubCache != null ? Path.of(hubCache)
                : hfHome != null ? Path.of(hfHome, "hub")
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
        return new HubCache(URI.create(endpoint.endsWith("/") ? endpoint : endpoint + "/"), cache);
    }

    public Path cache() {
        return cache;
    }

    /** A progress callback: file name, bytes so far, total bytes (-1 when unknown). */
    @FunctionalInterface
    public interface Progress {
        void update(String file, long done, long total);
    }

    /**
     * Makes {@code files} of {@code repo} at {@code revision} present in the cache and returns the snapshot folder.
     * Files listed in {@code optional} may be absent from the repository; any other missing file is an error.
     */
    public Path download(String repo, String revision, List<String> files, List<String> optional, Progress progress)
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
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() == 404) {
                response.body().close();
                if (optional.contains(file)) {
                    continue;
                }
                throw new IOException(repo + ": file " + file + " not found at revision " + revision + " (" + uri + ")");
            }
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException(repo + ": " + uri + " answered HTTP " + response.statusCode()
                        + (response.statusCode() == 401 ? " (private or gated repository: set HF_TOKEN)" : ""));
            }
            String fileCommit = response.headers().firstValue("x-repo-commit").orElse(revision);
            commit = commit == null ? fileCommit : commit;
            String etag = response.headers().firstValue("x-linked-etag")
                    .or(() -> response.headers().firstValue("etag")).orElse(Integer.toHexString(uri.hashCode()))
                    .replace("\"", "").replace("W/", "");
            long total = response.headers().firstValueAsLong("content-length").orElse(-1);
            Path blob = repoDir.resolve("blobs").resolve(etag);
            Files.createDirectories(blob.getParent());
            Path partial = blob.resolveSibling(etag + ".incomplete");
            try (InputStream in = response.body(); var out = Files.newOutputStream(partial)) {
                byte[] buffer = new byte[1 << 16];
                long done = 0;
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    done += n;
                    progress.update(file, done, total);
                }
                if (total >= 0 && done != total) {
                    throw new IOException(repo + ": " + file + " ended after " + done + " of " + total + " bytes");
                }
            }
            Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
