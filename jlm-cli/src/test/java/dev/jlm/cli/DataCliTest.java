package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataCliTest {
    @Test
    void reutersStatsAsJson() throws IOException {
        CliRun run = CliRun.of("data", "reuters", "--stats", "--json", "--data",
                SquadEvalCliTest.shared("data/reuters21578").toString());
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
        Path cached = Files.createDirectories(home.resolve(".cache/jlm/data/reuters21578"));
        assertThat(DataCommand.Reuters.defaultSource(null, home)).isEqualTo(cached);
        CliRun bad = CliRun.of("data", "reuters", "--stats", "--data", dir.resolve("missing").toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).contains("missing").doesNotContain("\n");
    }
}
