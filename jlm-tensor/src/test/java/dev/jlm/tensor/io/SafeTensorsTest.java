package dev.jlm.tensor.io;

import dev.jlm.tensor.SharedData;
import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsTest {

    @Test
    void roundTripsEveryDtype(@TempDir Path dir) throws IOException {
        Tensor x = Tensor.of(new float[] {0f, -1.5f, 3.140625f, 65504f, 1e-7f, Float.POSITIVE_INFINITY}, 2, 3);
        Path file = dir.resolve("all.safetensors");
        SafeTensors.writer().metadata("format", "pt")
                .add("f32", x, DType.F32).add("f16", x, DType.F16).add("bf16", x, DType.BF16)
                .addLongs("i8", new long[] {-128, 0, 127}, new int[] {3}, DType.I8)
                .addLongs("i32", new long[] {-5, 7}, new int[] {2}, DType.I32)
                .addLongs("i64", new long[] {1L << 40, -1}, new int[] {1, 2}, DType.I64)
                .write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.tensor("f32").toArray()).containsExactly(x.toArray());
            // F16 keeps these values exactly except 1e-7, which becomes the nearest half subnormal.
            float[] f16 = st.tensor("f16").toArray();
            assertThat(Arrays.copyOf(f16, 4)).containsExactly(0f, -1.5f, 3.140625f, 65504f);
            assertThat(f16[4]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(1e-7f)));
            assertThat(f16[5]).isEqualTo(Float.POSITIVE_INFINITY);
            float[] bf16 = st.tensor("bf16").toArray();
            assertThat(bf16[1]).isEqualTo(-1.5f);
            assertThat(bf16[2]).isEqualTo(3.140625f);
            assertThat(st.longs("i8")).containsExactly(-128, 0, 127);
            assertThat(st.longs("i32")).containsExactly(-5, 7);
            assertThat(st.longs("i64")).containsExactly(1L << 40, -1);
            assertThat(st.entries().get("i64").shape()).containsExactly(1, 2);
        }
        assertThat(dir.toFile().list()).containsExactly("all.safetensors");
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(DType.fromBf16(DType.toBf16(1.00390625f))).isEqualTo(1.0f);      // exactly halfway: keep even
        assertThat(DType.fromBf16(DType.toBf16(1.01171875f))).isEqualTo(1.015625f); // halfway, odd: round up
        assertThat(Float.isNaN(DType.fromBf16(DType.toBf16(Float.NaN)))).isTrue();
    }

    @Test
    void readsTheGoldenCheckpointWrittenByPython() throws IOException {
        try (SafeTensors st = SafeTensors.open(SharedData.path("golden/gpt2-tiny/model.safetensors"))) {
            assertThat(st.entries().get("transformer.h.0.attn.c_attn.weight").shape()).containsExactly(64, 192);
            assertThat(st.entries().get("transformer.wte.weight").shape()).containsExactly(50257, 64);
            assertThat(st.entries().get("transformer.wpe.weight").shape()).containsExactly(32, 64);
            assertThat(st.contains("lm_head.weight")).isFalse();
            Tensor ln = st.tensor("transformer.ln_f.weight");
            assertThat(ln.numel()).isEqualTo(64);
            assertThat(ln.sum().item()).isFinite();
        }
    }

    private static Path withHeader(Path dir, String json, int dataBytes, long claimedLength) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(claimedLength < 0 ? header.length : claimedLength).put(header);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, buffer.array());
        return file;
    }

    @Test
    void malformedOrLyingHeadersAreOneLineErrors(@TempDir Path dir) throws IOException {
        Map<String, String> cases = Map.of(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "outside the data section",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12 bytes",
                "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype 'Q4'",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                "overlapping",
                "{\"a\": [", "not valid JSON",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "invalid dimension");
        for (var c : cases.entrySet()) {
            Path file = withHeader(dir, c.getKey(), 8, -1);
            assertThatThrownBy(() -> SafeTensors.open(file).close()).as(c.getKey())
                    .isInstanceOf(IOException.class).hasMessageContaining(c.getValue()).hasMessageStartingWith(file.toString());
        }
        Path lying = withHeader(dir, "{}", 0, 1L << 40);
        assertThatThrownBy(() -> SafeTensors.open(lying)).hasMessageContaining("does not fit the file");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        assertThatThrownBy(() -> SafeTensors.open(tiny)).hasMessageContaining("too short");
    }
}
