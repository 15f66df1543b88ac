package dev.jlm.models.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/**
 * A corpus as one array of token ids, stored like nanoGPT's {@code train.bin}/{@code val.bin}: little-endian uint16
 * when the vocabulary fits in 16 bits, int32 otherwise. Batches are random windows of {@code blockSize + 1} tokens.
 */
public final class TokenDataset {
    private final int[] tokens;

    public TokenDataset(int[] tokens) {
        this.tokens = tokens;
    }

    public int size() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens;
    }

    /** Inputs and next-token targets of a batch, each {@code batchSize × blockSize} in row-major order. */
    public record Batch(int[] inputs, int[] targets, int batchSize, int blockSize) {
    }

    /** A batch of random windows (nanoGPT's get_batch); the same generator state gives the same batch. */
    public Batch sample(int batchSize, int blockSize, SplittableRandom random) {
        if (tokens.length <= blockSize) {
            throw new IllegalArgumentException("block size " + blockSize + " needs more than " + blockSize
                    + " tokens, the corpus split has " + tokens.length);
        }
        int[] x = new int[batchSize * blockSize];
        int[] y = new int[batchSize * blockSize];
        for (int b = 0; b < batchSize; b++) {
            int start = random.nextInt(tokens.length - blockSize);
            System.arraycopy(tokens, start, x, b * blockSize, blockSize);
            System.arraycopy(tokens, start + 1, y, b * blockSize, blockSize);
        }
        return new Batch(x, y, batchSize, blockSize);
    }

    /** Bytes per token in the file format for a vocabulary of this size. */
    public static int bytesPerToken(int vocabSize) {
        return vocabSize <= 65536 ? 2 : 4;
    }

    /** Writes the ids (atomically: temp file, then rename). */
    public void write(Path file, int vocabSize) throws IOException {
        int width = bytesPerToken(vocabSize);
        ByteBuffer buffer = ByteBuffer.allocate(tokens.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int token : tokens) {
            if (width == 2) {
                buffer.putShort((short) token);
            } else {
                buffer.putInt(token);
            }
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, buffer.array());
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a file written by {@link #write} (or by nanoGPT's prepare scripts, for uint16). */
    public static TokenDataset read(Path file, int vocabSize) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int width = bytesPerToken(vocabSize);
        if (bytes.length % width != 0) {
            throw new IOException(file + ": size " + bytes.length + " is not a multiple of " + width + " bytes per token");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] tokens = new int[bytes.length / width];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = width == 2 ? Short.toUnsignedInt(buffer.getShort()) : buffer.getInt();
            if (tokens[i] >= vocabSize) {
                throw new IOException(file + ": token " + tokens[i] + " at position " + i + " is outside the vocabulary of "
                        + vocabSize);
            }
        }
        return new TokenDataset(tokens);
    }
}
