package dev.jlm.tensor.io;

import dev.jlm.tensor.Tensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * NumPy's {@code .npy} format, version 1.0, as {@code numpy.save} writes a C-ordered float32 array: the magic
 * {@code \x93NUMPY}, the version bytes 1 and 0, a little-endian 2-byte header length, then a Python dict literal
 * ({@code descr}, {@code fortran_order}, {@code shape}) padded with spaces and ended by a newline so the data starts
 * on a 64-byte boundary, then the raw little-endian values.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    /** Magic and version (8 bytes) plus the header length (2). */
    private static final int PREAMBLE = MAGIC.length + 2;
    private static final int ALIGNMENT = 64;

    private Npy() {
    }

    /** Writes {@code tensor} as a float32 array of its shape, atomically: to a temporary file, then renamed over the target. */
    public static void write(Path file, Tensor tensor) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Path temp = null;
        try {
            Files.createDirectories(parent);
            temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                out.write(header(tensor.shape()));
                float[] values = tensor.toArray();
                ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : values) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(value);
                }
                out.write(chunk.array(), 0, chunk.position());
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
            throw new IOException(file + ": cannot write (" + e + ")", e);
        }
    }

    /** Magic, version, header length and the padded header of a float32 C-ordered array of {@code shape}. */
    static byte[] header(int[] shape) {
        // A Python tuple: a one-element tuple needs its trailing comma, "(3,)".
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        String tuple = "(" + dims + (shape.length == 1 ? ",)" : ")");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
        int unpadded = PREAMBLE + dict.length() + 1;
        int total = (unpadded + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        String padded = dict + " ".repeat(total - unpadded) + "\n";
        ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putShort((short) padded.length()).put(padded.getBytes(StandardCharsets.US_ASCII));
        return out.array();
    }
}
