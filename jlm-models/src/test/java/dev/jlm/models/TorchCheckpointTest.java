package dev.jlm.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** pytorch_model.bin written by PyTorch itself (torch 1.13, make_fixture.py next to it). */
class TorchCheckpointTest {

    @Test
    void readsTensorsOfEveryLayoutAndTypeAsPyTorchWroteThem(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("pytorch_model.bin");
        try (InputStream in = getClass().getResourceAsStream("/dev/jlm/models/torch/pytorch_model.bin")) {
            Files.copy(in, file);
        }
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/dev/jlm/models/torch/expected.json")) {
            expected = new ObjectMapper().readTree(in);
        }
        Map<String, Tensor> tensors = TorchCheckpoint.read(file);
        assertThat(tensors.keySet()).containsExactly("encoder.weight", "encoder.bias", "head.weight", "head.bias", "ids", "scale");
        expected.fields().forEachRemaining(e -> {
            Tensor t = tensors.get(e.getKey());
            int[] shape = new ObjectMapper().convertValue(e.getValue().get("shape"), int[].class);
            assertThat(t.shape()).as(e.getKey()).containsExactly(shape);
            float[] values = t.toArray();
            for (int i = 0; i < values.length; i++) {
                assertThat(values[i]).as("%s[%d]", e.getKey(), i).isCloseTo((float) e.getValue().get("values").get(i).asDouble(), within(0f));
            }
        });
    }

    @Test
    void refusesPicklesThatWouldRunCode(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("evil.bin");
        // protocol 2: GLOBAL os.system, then a string argument and REDUCE — what a malicious checkpoint does
        byte[] pickle = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R.".getBytes(StandardCharsets.ISO_8859_1);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
        }
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(IOException.class).hasMessageContaining("refuses to load 'os.system'");
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> TorchCheckpoint.read(file)).isInstanceOf(IOException.class);
    }
}
