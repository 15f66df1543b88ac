package dev.jlm.tensor.io;

import dev.jlm.fixtures.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SafeTensorsTest {

    private static byte[] littleEndianShorts(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buffer.putShort((short) v);
        }
        return buffer.array();
    }

    @Test
    void roundTripsEveryDtype(@TempDir Path dir) throws IOException {
        Tensor x = Tensor.of(new float[] {0f, -1.5f, 3.140625f, 65504f, 1e-7f, Float.POSITIVE_INFINITY}, 2, 3);
        byte[] f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-2.5).array();
        Path file = dir.resolve("all.safetensors");
        SafeTensors.writer().metadata("format", "pt")
                .add("f32", x, DType.F32).add("f16", x, DType.F16).add("bf16", x, DType.BF16)
                .add("f32.transposed", x.transpose(0, 1))
                .addLongs("i8", new long[] {-128, 0, 127}, new int[] {3}, DType.I8)
                .addInts("u8", new int[] {0, 200, 255}, new int[] {3}, DType.U8)
                .addInts("bool", new int[] {1, 0}, new int[] {2}, DType.BOOL)
                .addInts("i32", new int[] {-5, Integer.MAX_VALUE}, new int[] {2}, DType.I32)
                .addLongs("i64", new long[] {1L << 40, -1}, new int[] {1, 2}, DType.I64)
                .addRaw("f64", DType.F64, new int[] {2}, f64)
                .addInts("empty", new int[0], new int[] {0, 3}, DType.I32)
                .write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.metadata()).containsExactly(Map.entry("format", "pt"));
            assertThat(st.entries().keySet()).containsExactly("f32", "f16", "bf16", "f32.transposed", "i8", "u8", "bool",
                    "i32", "i64", "f64", "empty");
            assertThat(st.tensor("f32").toArray()).containsExactly(x.toArray());
            assertThat(st.tensor("f32.transposed").shape()).containsExactly(3, 2);
            assertThat(st.tensor("f32.transposed").toArray()).containsExactly(x.transpose(0, 1).toArray());
            // F16 holds these values exactly except 1e-7, which becomes the nearest half subnormal, 2^-24 · 2.
            assertThat(st.tensor("f16").toArray()).containsExactly(0f, -1.5f, 3.140625f, 65504f, 0x1p-23f, Float.POSITIVE_INFINITY);
            assertThat(st.tensor("bf16").toArray()).containsExactly(0f, -1.5f, 3.140625f, 65536f, 0x1.aep-24f, Float.POSITIVE_INFINITY);
            assertThat(st.longs("i8")).containsExactly(-128, 0, 127);
            assertThat(st.ints("u8")).containsExactly(0, 200, 255);
            assertThat(st.ints("bool")).containsExactly(1, 0);
            assertThat(st.ints("i32")).containsExactly(-5, Integer.MAX_VALUE);
            assertThat(st.tensor("i32").toArray()).containsExactly(-5f, 2147483648f);
            assertThat(st.longs("i64")).containsExactly(1L << 40, -1);
            assertThat(st.entries().get("i64").shape()).containsExactly(1, 2);
            assertThat(st.tensor("f64").toArray()).containsExactly(0.1f, -2.5f);
            assertThat(st.tensor("empty").shape()).containsExactly(0, 3);
            assertThatThrownBy(() -> st.ints("i64")).hasMessageContaining("1099511627776 at index 0, outside the int range");
            assertThatThrownBy(() -> st.longs("f16")).hasMessageContaining("'f16' is F16, not an integer type");
            assertThatThrownBy(() -> st.tensor("nope")).hasMessage(file + ": no tensor 'nope'");
        }
        assertThat(dir.toFile().list()).containsExactly("all.safetensors");
    }

    @Test
    void halfPrecisionDecodesExactlyIncludingSubnormalsInfinitiesAndNaN(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("half.safetensors");
        SafeTensors.writer()
                .addRaw("f16", DType.F16, new int[] {9}, littleEndianShorts(0x0001, 0x03ff, 0x0400, 0xfbff, 0x7c00, 0xfc00, 0x8000, 0x3555, 0x7e00))
                .addRaw("bf16", DType.BF16, new int[] {5}, littleEndianShorts(0x0001, 0x0080, 0x7f7f, 0xff80, 0x7fc0))
                .write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            float[] half = st.tensor("f16").toArray();
            assertThat(Arrays.copyOf(half, 8)).containsExactly(0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, -65504f,
                    Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0x1.554p-2f);
            assertThat(Float.floatToRawIntBits(half[6])).isEqualTo(0x80000000);
            assertThat(half[8]).isNaN();
            float[] brain = st.tensor("bf16").toArray();
            assertThat(Arrays.copyOf(brain, 4)).containsExactly(0x1p-133f, 0x1p-126f, 0x1.fep127f, Float.NEGATIVE_INFINITY);
            assertThat(brain[4]).isNaN();
        }
    }

    @Test
    void writingHalvesRoundsToNearestEven() {
        assertThat(Float.float16ToFloat(Float.floatToFloat16(1f + 0x1p-11f))).isEqualTo(1f);                  // tie, keep even
        assertThat(Float.float16ToFloat(Float.floatToFloat16(1f + 3 * 0x1p-11f))).isEqualTo(1f + 0x1p-9f);    // tie, round up to even
        assertThat(Float.float16ToFloat(Float.floatToFloat16(65520f))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(DType.fromBf16(DType.toBf16(1.00390625f))).isEqualTo(1.0f);      // exactly halfway: keep even
        assertThat(DType.fromBf16(DType.toBf16(1.01171875f))).isEqualTo(1.015625f); // halfway, odd: round up
        assertThat(DType.fromBf16(DType.toBf16(Math.nextUp(1.00390625f)))).isEqualTo(1.0078125f); // just above halfway
        assertThat(DType.fromBf16(DType.toBf16(Float.MAX_VALUE))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(DType.fromBf16(DType.toBf16(0x1.8p-133f))).isEqualTo(0x1p-132f);  // subnormal ties round to even:
        assertThat(DType.fromBf16(DType.toBf16(0x1.4p-132f))).isEqualTo(0x1p-132f);  // up from 1·2^-133, down from 2·2^-133
        assertThat(DType.fromBf16(DType.toBf16(-0f))).isEqualTo(-0f);
        assertThat(Float.isNaN(DType.fromBf16(DType.toBf16(Float.NaN)))).isTrue();
        assertThat(Float.isNaN(DType.fromBf16(DType.toBf16(Float.intBitsToFloat(0x7f800001))))).isTrue(); // low-bit NaN stays NaN
    }

    @Test
    void readsTheGoldenCheckpointWrittenByPython() throws IOException {
        JsonNode config = new ObjectMapper().readTree(Fixtures.path("golden/gpt2-tiny/config.json").toFile());
        int embd = config.get("n_embd").asInt();
        try (SafeTensors st = SafeTensors.open(Fixtures.path("golden/gpt2-tiny/model.safetensors"))) {
            Map<String, int[]> expected = new LinkedHashMap<>();
            expected.put("transformer.wte.weight", new int[] {config.get("vocab_size").asInt(), embd});
            expected.put("transformer.wpe.weight", new int[] {config.get("n_positions").asInt(), embd});
            expected.put("transformer.ln_f.weight", new int[] {embd});
            expected.put("transformer.ln_f.bias", new int[] {embd});
            for (int layer = 0; layer < config.get("n_layer").asInt(); layer++) {
                String h = "transformer.h." + layer + ".";
                expected.put(h + "ln_1.weight", new int[] {embd});
                expected.put(h + "ln_1.bias", new int[] {embd});
                expected.put(h + "attn.c_attn.weight", new int[] {embd, 3 * embd});
                expected.put(h + "attn.c_attn.bias", new int[] {3 * embd});
                expected.put(h + "attn.c_proj.weight", new int[] {embd, embd});
                expected.put(h + "attn.c_proj.bias", new int[] {embd});
                expected.put(h + "ln_2.weight", new int[] {embd});
                expected.put(h + "ln_2.bias", new int[] {embd});
                expected.put(h + "mlp.c_fc.weight", new int[] {embd, 4 * embd});
                expected.put(h + "mlp.c_fc.bias", new int[] {4 * embd});
                expected.put(h + "mlp.c_proj.weight", new int[] {4 * embd, embd});
                expected.put(h + "mlp.c_proj.bias", new int[] {embd});
            }
            assertThat(st.entries().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            expected.forEach((name, shape) -> assertThat(st.entries().get(name).shape()).as(name).containsExactly(shape));
            assertThat(st.entries().get("transformer.h.0.attn.c_attn.weight").shape()).containsExactly(64, 192);
            assertThat(st.metadata()).containsEntry("format", "pt");

            // Reference values read with Python's struct module; sums with math.fsum.
            float[] wpe = st.tensor("transformer.wpe.weight").toArray();
            assertThat(Arrays.copyOf(wpe, 3)).containsExactly(0.08279095590114594f, 0.09091145545244217f, 0.03599286451935768f);
            assertThat(exactSum(wpe)).isCloseTo(3.386881316822837, within(1e-12));
            float[] cAttn = st.tensor("transformer.h.1.attn.c_attn.weight").toArray();
            assertThat(cAttn[0]).isEqualTo(-0.03466077148914337f);
            assertThat(exactSum(cAttn)).isCloseTo(9.926444585425998, within(1e-12));
            assertThat(st.tensors()).hasSize(expected.size());
        }
    }

    /** The sum of floats in double precision; ample for a few thousand values of this size. */
    private static double exactSum(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum;
    }

    @Test
    void mapsFilesBeyondTwoGigabytes(@TempDir Path dir) throws IOException {
        // A sparse 2.5 GB file: the tensor after the gap lies beyond what one MappedByteBuffer could address.
        long gap = 2_500_000_000L;
        String json = "{\"gap\":{\"dtype\":\"U8\",\"shape\":[2,1250000000],\"data_offsets\":[0," + gap + "]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + gap + "," + (gap + 8) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            out.seek(8 + header.length + gap);
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-7f).array());
        }
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.tensor("x").toArray()).containsExactly(1.5f, -7f);
            assertThatThrownBy(() -> st.tensor("gap")).hasMessageContaining("more than a Java array holds");
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

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void malformedOrLyingHeadersAreOneLineErrors(@TempDir Path dir) throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{" + tensor("a", "F32", "[4]", 0, 16) + "}", "outside the data section");
        cases.put("{" + tensor("a", "F32", "[3]", 0, 8) + "}", "needs 12 bytes");
        cases.put("{" + tensor("a", "Q4", "[2]", 0, 8) + "}", "unknown dtype 'Q4'");
        cases.put("{" + tensor("a", "F32", "[1]", 0, 4) + "," + tensor("b", "F32", "[1]", 0, 4) + "}", "overlapping");
        cases.put("{" + tensor("a", "F32", "[1]", 4, 8) + "}", "starts at byte 4, expected 0");
        cases.put("{" + tensor("a", "F32", "[1]", 0, 4) + "}", "tensors cover 4 bytes of a data section of 8");
        cases.put("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("a", "F32", "[2]", 0, 8) + "}", "Duplicate field 'a'");
        cases.put("{" + tensor("a", "F32", "[2]", 0, 8) + "} {}", "not valid JSON");
        cases.put("{\"a\": [", "not valid JSON");
        cases.put("[1, 2]", "not a JSON object");
        cases.put("{\"a\": 7}", "tensor 'a' is not a JSON object");
        cases.put("{" + tensor("a", "F32", "[-2]", 0, 8) + "}", "invalid dimension -2");
        cases.put("{" + tensor("a", "F32", "[2.0]", 0, 8) + "}", "invalid dimension 2.0");
        cases.put("{" + tensor("a", "F32", "[\"2\"]", 0, 8) + "}", "invalid dimension \"2\"");
        cases.put("{" + tensor("a", "F32", "[3000000000]", 0, 8) + "}", "invalid dimension 3000000000");
        cases.put("{" + tensor("a", "F32", "[2000000000,2000000000,2000000000]", 0, 8) + "}", "too large for any file");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", "invalid data offset \"8\"");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "needs a shape array and two data_offsets");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "needs a shape array and two data_offsets");
        cases.put("{" + tensor("a", "F32", "[2]", -8, 0) + "}", "outside the data section");
        cases.put("{\"__metadata__\":{\"n\":3}," + tensor("a", "F32", "[2]", 0, 8) + "}", "__metadata__ value 'n' is not a string");
        cases.put("{\"__metadata__\":[]," + tensor("a", "F32", "[2]", 0, 8) + "}", "__metadata__ is not a JSON object");
        for (var c : cases.entrySet()) {
            Path file = withHeader(dir, c.getKey(), 8, -1);
            assertThatThrownBy(() -> SafeTensors.open(file).close()).as(c.getKey())
                    .isInstanceOf(IOException.class).hasMessageContaining(c.getValue())
                    .hasMessageStartingWith(file + ": ").hasMessageNotContaining("\n");
        }
        Path lying = withHeader(dir, "{}", 0, 1L << 40);
        assertThatThrownBy(() -> SafeTensors.open(lying)).hasMessageContaining("does not fit the file");
        Path negative = dir.resolve("negative.safetensors");
        Files.write(negative, ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(-2).put((byte) '{').put((byte) '}').array());
        assertThatThrownBy(() -> SafeTensors.open(negative)).hasMessageContaining("header length -2 does not fit");
        Path notUtf8 = dir.resolve("latin1.safetensors");
        Files.write(notUtf8, ByteBuffer.allocate(11).order(ByteOrder.LITTLE_ENDIAN).putLong(3).put(new byte[] {'{', (byte) 0xe9, '}'}).array());
        assertThatThrownBy(() -> SafeTensors.open(notUtf8)).hasMessageContaining("header is not UTF-8");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        assertThatThrownBy(() -> SafeTensors.open(tiny)).hasMessageContaining("too short");
        assertThatThrownBy(() -> SafeTensors.open(dir.resolve("absent.safetensors"))).hasMessageContaining("no such safetensors file");
    }

    /** Every truncation and a thousand random header changes: each open either succeeds or fails with a clean error. */
    @Test
    void corruptedFilesNeverReadOutOfBounds(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.writer().metadata("format", "pt")
                .add("a", Tensor.randn(1, 3, 5))
                .add("b", Tensor.randn(2, 7), DType.BF16)
                .addInts("c", new int[] {1, 2, 3}, new int[] {3}, DType.I64)
                .write(good);
        byte[] original = Files.readAllBytes(good);
        Path bad = dir.resolve("bad.safetensors");
        // Rewritten in place through one channel: replacing a file a thousand times is slow on some file systems.
        try (FileChannel out = FileChannel.open(bad, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(original), 0);
            for (int length = original.length - 1; length >= 0; length--) {
                out.truncate(length);
                assertThat(openAndReadAll(bad)).as("truncated to %d bytes", length).isFalse();
            }
            int headerEnd = 8 + (int) ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong();
            SplittableRandom random = new SplittableRandom(5);
            int failures = 0;
            for (int trial = 0; trial < 1000; trial++) {
                byte[] corrupted = original.clone();
                for (int changes = 1 + random.nextInt(3); changes > 0; changes--) {
                    // Digits half the time: a changed number is the lie most likely to slip past a parser.
                    int at = random.nextInt(headerEnd);
                    corrupted[at] = random.nextBoolean() ? (byte) ('0' + random.nextInt(10)) : (byte) random.nextInt(256);
                }
                out.write(ByteBuffer.wrap(corrupted), 0);
                failures += openAndReadAll(bad) ? 0 : 1;
            }
            assertThat(failures).as("corruptions detected").isGreaterThan(500);
        }
    }

    /** True when the file opened and every tensor decoded; false for a one-line IOException naming the file. */
    private static boolean openAndReadAll(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            for (SafeTensors.Entry entry : st.entries().values()) {
                if (st.tensor(entry.name()).numel() != entry.numel()) {
                    throw new AssertionError(file + ": tensor '" + entry.name() + "' decoded to the wrong size");
                }
            }
            return true;
        } catch (IOException e) {
            if (!e.getMessage().startsWith(file + ": ") || e.getMessage().contains("\n")) {
                throw new AssertionError("not a one-line error naming the file: " + e.getMessage());
            }
            return false;
        }
    }

    @Test
    void writerRejectsWhatWouldMakeABadFile(@TempDir Path dir) throws IOException {
        SafeTensors.Writer writer = SafeTensors.writer().add("a", Tensor.zeros(2));
        assertThatThrownBy(() -> writer.add("a", Tensor.zeros(3))).hasMessage("tensor 'a' added twice");
        assertThatThrownBy(() -> writer.add("__metadata__", Tensor.zeros(3))).hasMessageContaining("cannot name a tensor");
        assertThatThrownBy(() -> writer.addInts("b", new int[] {0, 256}, new int[] {2}, DType.U8))
                .hasMessage("tensor 'b': value 256 at index 1 does not fit U8");
        assertThatThrownBy(() -> writer.addLongs("b", new long[] {1L << 31}, new int[] {1}, DType.I32))
                .hasMessageContaining("does not fit I32");
        assertThatThrownBy(() -> writer.addInts("b", new int[] {1, 2}, new int[] {3}, DType.I32))
                .hasMessage("tensor 'b': 2 values for shape [3]");
        assertThatThrownBy(() -> writer.add("b", Tensor.zeros(2), DType.I8)).hasMessageContaining("F32, F16 or BF16, not I8");

        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old contents");
        writer.write(target);
        try (SafeTensors st = SafeTensors.open(target)) {
            assertThat(st.tensor("a").toArray()).containsExactly(0f, 0f);
        }
        Path blocked = dir.resolve("model.safetensors").resolve("inside.safetensors");
        assertThatThrownBy(() -> writer.write(blocked)).isInstanceOf(IOException.class).hasMessageStartingWith(blocked + ": cannot write");
        assertThat(dir.toFile().list()).containsExactly("model.safetensors");
    }

    @Test
    void largeTensorsStreamThroughChunks(@TempDir Path dir) throws IOException {
        // More than one 1 MiB write chunk and more than one decoding thread's share.
        Tensor big = Tensor.randn(3, 1000, 700);
        Path file = dir.resolve("big.safetensors");
        SafeTensors.writer().add("w", big).add("h", big, DType.F16).add("b", big, DType.BF16).write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertThat(st.tensor("w").toArray()).isEqualTo(big.toArray());
            float[] half = st.tensor("h").toArray();
            float[] brain = st.tensor("b").toArray();
            float[] values = big.toArray();
            int mismatches = 0;
            for (int i = 0; i < values.length; i++) {
                mismatches += half[i] == Float.float16ToFloat(Float.floatToFloat16(values[i])) ? 0 : 1;
                mismatches += brain[i] == DType.fromBf16(DType.toBf16(values[i])) ? 0 : 1;
            }
            assertThat(mismatches).isZero();
        }
    }
}
