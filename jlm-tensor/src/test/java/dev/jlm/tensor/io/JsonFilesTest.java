package dev.jlm.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonFilesTest {
    @Test
    void readsPlainAndGzipFilesAlike(@TempDir Path dir) throws IOException {
        String json = "{\"version\": \"1.1\", \"data\": [1, 2, 3]}";
        Path plain = Files.writeString(dir.resolve("a.json"), json);
        Path gzip = dir.resolve("a.json.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(JsonFiles.read(gzip)).isEqualTo(JsonFiles.read(plain));
        assertThat(JsonFiles.read(gzip).get("data").size()).isEqualTo(3);
    }

    @Test
    void badInputIsOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        Path notGzip = Files.writeString(dir.resolve("b.json.gz"), "{}");
        assertThatThrownBy(() -> JsonFiles.read(notGzip)).hasMessageStartingWith(notGzip + ": not readable as gzip");
        Path broken = Files.writeString(dir.resolve("c.json"), "{\"a\": [1,\n 2");
        assertThatThrownBy(() -> JsonFiles.read(broken)).hasMessageStartingWith(broken + ": not valid JSON at line 2");
        assertThatThrownBy(() -> JsonFiles.read(dir.resolve("missing.json"))).hasMessage(dir.resolve("missing.json") + ": no such file");
    }
}
