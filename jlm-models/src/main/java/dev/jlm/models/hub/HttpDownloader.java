package dev.jlm.models.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * File downloads over HTTP(S) shared by the Hub cache and the data-set pulls: redirects followed, progress reported,
 * the body written to {@code <target>.incomplete} and renamed onto the target only once it is complete (and, when a
 * checksum is given, verified), so a target is never partial or corrupt.
 */
public final class HttpDownloader {
    /** A progress callback: file name, bytes so far, total bytes (-1 when unknown). */
    @FunctionalInterface
    public interface Progress {
        void update(String file, long done, long total);
    }

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(20)).build();

    /** A GET that answered 200: its headers, and its body still to be saved (or closed). */
    public static final class Download implements AutoCloseable {
        private final URI uri;
        private final HttpResponse<InputStream> response;

        private Download(URI uri, HttpResponse<InputStream> response) {
            this.uri = uri;
            this.response = response;
        }

        public HttpHeaders headers() {
            return response.headers();
        }

        /**
         * Streams the body into {@code target}, through {@code <target>.incomplete} which is deleted on failure.
         * {@code sha256} (lower-case hex) is the checksum the body must have, or null when none is published.
         */
        public void saveTo(Path target, String sha256, String name, Progress progress) throws IOException {
            long total = response.headers().firstValueAsLong("content-length").orElse(-1);
            Path partial = target.resolveSibling(target.getFileName() + ".incomplete");
            Files.createDirectories(target.toAbsolutePath().getParent());
            MessageDigest digest = sha256Digest();
            try {
                try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(partial)) {
                    byte[] buffer = new byte[1 << 16];
                    long done = 0;
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                        digest.update(buffer, 0, n);
                        done += n;
                        progress.update(name, done, total);
                    }
                    if (total >= 0 && done != total) {
                        throw new IOException(uri + ": download ended after " + done + " of " + total + " bytes");
                    }
                }
                String actual = HexFormat.of().formatHex(digest.digest());
                if (sha256 != null && !actual.equals(sha256)) {
                    throw new IOException(uri + ": sha256 " + actual + " is not the published " + sha256
                            + " (nothing saved)");
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }

    /**
     * Starts a GET of {@code uri}: empty when the server answers 404, an {@link IOException} naming the URI for any
     * other status but 200.
     */
    public Optional<Download> get(URI uri) throws IOException, InterruptedException {
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IOException(uri + ": " + reason(e), e);
        }
        if (response.statusCode() == 404) {
            response.body().close();
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException(uri + " answered HTTP " + response.statusCode());
        }
        return Optional.of(new Download(uri, response));
    }

    /** The first message along the causes (the HTTP client often wraps the informative one), else what failed. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof java.net.ConnectException ? "cannot connect" : e.getClass().getSimpleName();
    }

    /** A base URL for resolving file names against: {@code url} with a trailing slash. */
    public static URI folder(String url) {
        return URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** The SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest = sha256Digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
