package dev.jlm.cli;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataCliTest {
    @Test
    void reutersStatsAsJson() throws IOException {
        CliRun run = CliRun.of("data", "reuters", "--stats", "--json", "--data",
                Fixtures.path("data/reuters21578").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(new ObjectMapper().readTree(run.lastLine()))
                .isEqualTo(new ObjectMapper().readTree("{\"documents\":21578,\"train\":7769,\"test\":3019,\"categories\":90}"));
    }

    @Test
    void defaultDataFolderOrAClearError(@TempDir Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("home"));
        assertThatThrownBy(() -> DataCommand.Reuters.defaultSource(null, home))
                .hasMessageStartingWith("no Reuters-21578 data: pass --data DIR_OR_TGZ");
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createFile(data.resolve("reuters21578.tar.gz"));
        assertThat(DataCommand.Reuters.defaultSource(data.toString(), home)).isEqualTo(data.resolve("reuters21578.tar.gz"));
        assertThat(DataCommand.dataFolders(data.toString(), home)).containsExactly(data, home.resolve(".cache/jlm/data"));
        assertThat(DataCommand.dataFolders(null, home)).containsExactly(home.resolve(".cache/jlm/data"));
        Path cached = Files.createDirectories(home.resolve(".cache/jlm/data/reuters21578"));
        assertThat(DataCommand.Reuters.defaultSource(null, home)).isEqualTo(cached);
        CliRun bad = CliRun.of("data", "reuters", "--stats", "--data", dir.resolve("missing").toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).contains("missing").doesNotContain("\n");
    }

    @Test
    void squadPullVerifiesDownloadsKeepsThemAndNamesTheUrlThatFailed(@TempDir Path out) throws IOException {
        Path squad = Fixtures.path("data/squad");
        AtomicInteger devRequests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            if (name.equals("dev-v1.1.json")) {
                devRequests.incrementAndGet();
                byte[] body = Files.readAllBytes(squad.resolve(name));
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            List<String> args = List.of("data", "pull", "squad", "--version", "1.1", "--out", out.toString(), "--endpoint", endpoint);
            CliRun first = CliRun.of(args.toArray(String[]::new));
            assertThat(first.exitCode()).as(first.err()).isEqualTo(2);
            assertThat(first.err()).contains("dev-v1.1.json").endsWith(
                    "jlm: " + endpoint + "/train-v1.1.json answered HTTP 404 (not found)" + System.lineSeparator());
            assertThat(Files.readAllBytes(out.resolve("dev-v1.1.json"))).isEqualTo(Files.readAllBytes(squad.resolve("dev-v1.1.json")));
            try (var listing = Files.list(out)) {
                assertThat(listing).containsExactly(out.resolve("dev-v1.1.json"));
            }

            CliRun again = CliRun.of(args.toArray(String[]::new));
            assertThat(again.exitCode()).isEqualTo(2);
            assertThat(again.out()).startsWith("present    " + out.resolve("dev-v1.1.json"));
            assertThat(devRequests.get()).as("the verified dev file is not fetched again").isEqualTo(1);
        } finally {
            server.stop(0);
        }

        CliRun badVersion = CliRun.of("data", "pull", "squad", "--version", "3.0", "--out", out.toString());
        assertThat(badVersion.exitCode()).isEqualTo(2);
        assertThat(badVersion.err()).isEqualTo("jlm: --version 3.0: expected 1.1, 2.0 or all" + System.lineSeparator());
    }
}
