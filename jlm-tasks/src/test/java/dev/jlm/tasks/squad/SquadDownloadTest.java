package dev.jlm.tasks.squad;

import dev.jlm.fixtures.Fixtures;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads from a local server that serves the real dev files (testdata/data/squad) under /dataset/. */
class SquadDownloadTest {
    private static final List<String> DEV_FILES = List.of("dev-v1.1.json", "dev-v2.0.json");

    private HttpServer server;
    private String endpoint;
    private final ConcurrentMap<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    @BeforeEach
    void serveTheDevFiles() throws IOException {
        Path squad = Fixtures.path("data/squad");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/dataset/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/dataset/".length());
            requests.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            if (!DEV_FILES.contains(name)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(squad.resolve(name));
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        endpoint = "http://127.0.0.1:" + server.getAddress().getPort() + "/dataset";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private int requestsFor(String name) {
        return requests.getOrDefault(name, new AtomicInteger()).get();
    }

    @Test
    void downloadsVerifiedFilesAndKeepsThemOnTheNextRun(@TempDir Path folder) throws Exception {
        SquadDownload squad = new SquadDownload(endpoint, SquadDownload.PUBLISHED_SHA256);
        Map<String, Long> progressTotals = new HashMap<>();
        for (String name : DEV_FILES) {
            assertThat(squad.pull(name, folder, (file, done, total) -> progressTotals.put(file, done)))
                    .isEqualTo(new SquadDownload.Pulled(folder.resolve(name), true));
            assertThat(Files.readAllBytes(folder.resolve(name))).isEqualTo(Files.readAllBytes(Fixtures.path("data/squad/" + name)));
            assertThat(progressTotals.get(name)).isEqualTo(Files.size(folder.resolve(name)));
            assertThat(requestsFor(name)).isEqualTo(1);
        }
        try (var listing = Files.list(folder)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(DEV_FILES);
        }

        for (String name : DEV_FILES) {
            assertThat(squad.pull(name, folder, (file, done, total) -> { }).downloaded()).isFalse();
            assertThat(requestsFor(name)).as("a verified file is not fetched again").isEqualTo(1);
        }

        Files.writeString(folder.resolve("dev-v2.0.json"), "{\"truncated\":");
        assertThat(squad.pull("dev-v2.0.json", folder, (file, done, total) -> { }).downloaded()).isTrue();
        assertThat(requestsFor("dev-v2.0.json")).isEqualTo(2);
        assertThat(Files.readAllBytes(folder.resolve("dev-v2.0.json")))
                .isEqualTo(Files.readAllBytes(Fixtures.path("data/squad/dev-v2.0.json")));
    }

    @Test
    void aFileWithoutThePublishedChecksumIsNotSaved(@TempDir Path folder) {
        Map<String, String> wrong = new HashMap<>(SquadDownload.PUBLISHED_SHA256);
        wrong.put("dev-v1.1.json", SquadDownload.PUBLISHED_SHA256.get("dev-v2.0.json"));
        SquadDownload squad = new SquadDownload(endpoint, wrong);
        assertThatThrownBy(() -> squad.pull("dev-v1.1.json", folder, (file, done, total) -> { }))
                .isInstanceOf(IOException.class)
                .hasMessage(endpoint + "/dev-v1.1.json: sha256 " + SquadDownload.PUBLISHED_SHA256.get("dev-v1.1.json")
                        + " is not the published " + wrong.get("dev-v1.1.json") + " (nothing saved)");
        assertThat(folder).isEmptyDirectory();
    }

    @Test
    void aMissingFileIsAnErrorNamingItsUrl(@TempDir Path folder) {
        SquadDownload squad = new SquadDownload(endpoint, SquadDownload.PUBLISHED_SHA256);
        assertThatThrownBy(() -> squad.pull("train-v1.1.json", folder, (file, done, total) -> { }))
                .isInstanceOf(IOException.class)
                .hasMessage(endpoint + "/train-v1.1.json answered HTTP 404 (not found)");
        assertThat(folder).isEmptyDirectory();
    }

    @Test
    void everyVersionListsOnlyFilesWithAPublishedChecksum() {
        assertThat(SquadDownload.FILES.get("all")).containsExactlyInAnyOrderElementsOf(SquadDownload.PUBLISHED_SHA256.keySet());
        assertThat(SquadDownload.FILES.get("all"))
                .containsAll(SquadDownload.FILES.get("1.1")).containsAll(SquadDownload.FILES.get("2.0"));
    }
}
