package dev.jlm.tensor.io;

import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files read back by the rules of NumPy's format specification (numpy/lib/format.py, version 1.0). */
class NpyTest {
    private static final Pattern DICT = Pattern.compile(
            "\\{'descr': '(?<descr>[^']*)', 'fortran_order': (?<fortran>True|False), 'shape': \\((?<shape>[^)]*)\\), } *\n");

    /** A parsed file: its header dict's fields and its values. */
    record Read(String descr, boolean fortranOrder, String shape, float[] values) {
    }

    static Read read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        bytes.get(magic);
        assertThat(magic).as("magic string").containsExactly(0x93, 'N', 'U', 'M', 'P', 'Y');
        assertThat(bytes.get()).as("major version").isEqualTo((byte) 1);
        assertThat(bytes.get()).as("minor version").isEqualTo((byte) 0);
        int headerLength = Short.toUnsignedInt(bytes.getShort());
        assertThat((10 + headerLength) % 64).as("data starts 64-byte aligned").isZero();
        byte[] header = new byte[headerLength];
        bytes.get(header);
        String dict = new String(header, StandardCharsets.US_ASCII);
        Matcher m = DICT.matcher(dict);
        assertThat(m.matches()).as("header dict %s", dict).isTrue();
        float[] values = new float[bytes.remaining() / 4];
        assertThat(bytes.remaining() % 4).isZero();
        for (int i = 0; i < values.length; i++) {
            values[i] = bytes.getFloat();
        }
        return new Read(m.group("descr"), m.group("fortran").equals("True"), m.group("shape"), values);
    }

    @Test
    void writesALittleEndianFloat32COrderedArray(@TempDir Path dir) throws IOException {
        float[] values = {0f, -1.5f, 3.25f, Float.MAX_VALUE, 1e-7f, Float.NEGATIVE_INFINITY};
        Path file = dir.resolve("x.npy");
        Npy.write(file, Tensor.of(values.clone(), 2, 3));
        Read read = read(file);
        assertThat(read.descr()).isEqualTo("<f4");
        assertThat(read.fortranOrder()).isFalse();
        assertThat(read.shape()).isEqualTo("2, 3");
        assertThat(read.values()).containsExactly(values);
        assertThat(Files.size(file)).isEqualTo(128 + 6 * 4);
        try (var files = Files.list(dir)) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void oneDimensionalShapesAreOneElementTuplesAndScalarsTheEmptyTuple(@TempDir Path dir) throws IOException {
        Npy.write(dir.resolve("v.npy"), Tensor.of(new float[] {1, 2, 3}, 3));
        assertThat(read(dir.resolve("v.npy")).shape()).isEqualTo("3,");
        Npy.write(dir.resolve("s.npy"), Tensor.scalar(7f));
        Read scalar = read(dir.resolve("s.npy"));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.values()).containsExactly(7f);
    }

    @Test
    void aTransposedViewIsWrittenInItsOwnRowMajorOrder(@TempDir Path dir) throws IOException {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        Npy.write(dir.resolve("t.npy"), x);
        Read read = read(dir.resolve("t.npy"));
        assertThat(read.shape()).isEqualTo("3, 2");
        assertThat(read.values()).containsExactly(1, 4, 2, 5, 3, 6);
    }

    @Test
    void anArrayLargerThanOneWriteChunkArrivesWhole(@TempDir Path dir) throws IOException {
        float[] values = new float[100_003];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        Npy.write(dir.resolve("big.npy"), Tensor.of(values.clone(), values.length));
        assertThat(read(dir.resolve("big.npy")).values()).containsExactly(values);
    }

    @Test
    void anUnwritablePathIsAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Path notAFolder = dir.resolve("plain");
        Files.writeString(notAFolder, "x");
        Path file = notAFolder.resolve("x.npy");
        assertThatThrownBy(() -> Npy.write(file, Tensor.scalar(1f))).isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": cannot write");
    }
}
