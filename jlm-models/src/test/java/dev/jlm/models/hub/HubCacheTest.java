package dev.jlm.models.hub;

import dev.jlm.fixtures.Fixtures;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubCacheTest {

    @Test
    void downloadsIntoTheHuggingFaceCacheLayoutAndReusesCachedFiles(@TempDir Path cache) throws Exception {
        Path golden = Fixtures.path("golden/gpt2-tiny");
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            String prefix = "/tiny/gpt2/resolve/main/";
            Path file = path.startsWith(prefix) ? golden.resolve(path.substring(prefix.length())) : null;
            if (file == null || !Files.exists(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().add("X-Repo-Commit", "0123456789abcdef");
            exchange.getResponseHeaders().add("ETag", "\"etag-" + file.getFileName() + "\"");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            HubCache hub = new HubCache(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), cache);
            List<String> files = List.of("config.json", "model.safetensors");
            Path snapshot = hub.download("tiny/gpt2", "main", files, List.of("tokenizer.json"), (f, d, t) -> { });
            assertThat(snapshot).isEqualTo(cache.resolve("models--tiny--gpt2/snapshots/0123456789abcdef"));
            assertThat(Files.readAllBytes(snapshot.resolve("model.safetensors")))
                    .isEqualTo(Files.readAllBytes(golden.resolve("model.safetensors")));
            assertThat(Files.isSymbolicLink(snapshot.resolve("config.json"))).isTrue();
            assertThat(cache.resolve("models--tiny--gpt2/refs/main")).hasContent("0123456789abcdef");
            int afterFirst = requests.get();

            hub.download("tiny/gpt2", "main", files, List.of(), (f, d, t) -> { });
            assertThat(requests.get()).as("cached files are not fetched again").isEqualTo(afterFirst);

            assertThatThrownBy(() -> hub.download("tiny/gpt2", "main", List.of("missing.bin"), List.of(), (f, d, t) -> { }))
                    .hasMessageContaining("missing.bin not found");
        } finally {
            server.stop(0);
        }
    }
}
