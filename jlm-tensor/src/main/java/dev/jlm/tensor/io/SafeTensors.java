package dev.jlm.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.Parallel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
 * byte range, then the raw little-endian data. Files are memory-mapped (any size) and tensors decoded on demand;
 * every header claim is checked against the file before any byte is read, so a malformed or lying file is a one-line
 * error naming the file, never an out-of-bounds read.
 */
public final class SafeTensors implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The reference implementation's limit; a larger length is a corrupt file, not a big header. */
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's header entry: type, shape and byte range within the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps {@code file} and validates its header. */
    public static SafeTensors open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such safetensors file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new IOException(file + ": too short for a safetensors file (" + size + " bytes)");
            }
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLength = whole.get(I64, 0);
            if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > size - 8) {
                throw new IOException(file + ": header length " + headerLength + " does not fit the file of " + size + " bytes");
            }
            byte[] header = whole.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + headerLength);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(new Problems(file), header, data.byteSize(), metadata);
            return new SafeTensors(file, arena, data, entries, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Builds the one-line errors for a file's header. */
    private record Problems(Path file) {
        IOException of(String problem) {
            return new IOException(file + ": " + problem);
        }

        IOException of(String tensor, String problem) {
            return of("tensor '" + tensor + "' " + problem);
        }
    }

    private static Map<String, Entry> parseHeader(Problems problems, byte[] header, long dataSize, Map<String, String> metadata)
            throws IOException {
        JsonNode root;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(header)).toString();
            root = JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw problems.of("header is not UTF-8");
        } catch (JsonProcessingException e) {
            throw problems.of("header is not valid JSON (" + JsonFiles.problem(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw problems.of("header is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(problems, node, metadata);
            } else {
                entries.put(name, parseEntry(problems, name, node, dataSize));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : byOffset) {
            if (e.begin() != at) {
                throw problems.of(e.name(), "starts at byte " + e.begin() + ", expected " + at + " (overlapping or gapped data)");
            }
            at = e.end();
        }
        if (at != dataSize) {
            throw problems.of("tensors cover " + at + " bytes of a data section of " + dataSize);
        }
        return entries;
    }

    private static void readMetadata(Problems problems, JsonNode node, Map<String, String> metadata) throws IOException {
        if (!node.isObject()) {
            throw problems.of("__metadata__ is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw problems.of("__metadata__ value '" + m.getKey() + "' is not a string");
            }
            metadata.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Problems problems, String name, JsonNode node, long dataSize) throws IOException {
        if (!node.isObject()) {
            throw problems.of(name, "is not a JSON object");
        }
        DType dtype = DType.parse(node.path("dtype").asText(""));
        if (dtype == null) {
            throw problems.of(name, "has unknown dtype '" + node.path("dtype").asText() + "'");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw problems.of(name, "needs a shape array and two data_offsets");
        }
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw problems.of(name, "has an invalid dimension " + d);
            }
            shape[i] = d.intValue();
            if (shape[i] != 0 && numel > Long.MAX_VALUE / 8 / shape[i]) {
                throw problems.of(name, "has shape " + shapeNode + ", too large for any file");
            }
            numel *= shape[i];
        }
        for (JsonNode offset : offsets) {
            if (!offset.isIntegralNumber() || !offset.canConvertToLong()) {
                throw problems.of(name, "has an invalid data offset " + offset);
            }
        }
        long begin = offsets.get(0).longValue();
        long end = offsets.get(1).longValue();
        if (begin < 0 || end < begin || end > dataSize) {
            throw problems.of(name, "has data_offsets [" + begin + ", " + end + "] outside the data section of "
                    + dataSize + " bytes");
        }
        if (end - begin != numel * dtype.bytes) {
            throw problems.of(name, "of shape " + Arrays.toString(shape) + " and dtype " + dtype + " needs "
                    + numel * dtype.bytes + " bytes, its data_offsets give " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Header entries by name, in header order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    private Entry entry(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IOException(file + ": no tensor '" + name + "'");
        }
        return e;
    }

    private int count(Entry e) throws IOException {
        if (e.numel() > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + e.name() + "' has " + e.numel() + " elements, more than a Java array holds");
        }
        return (int) e.numel();
    }

    private MemorySegment bytesOf(Entry e) {
        return data.asSlice(e.begin(), e.end() - e.begin());
    }

    /** The tensor as float32: F16 and BF16 exactly, F64 and wide integers rounded to the nearest float. */
    public Tensor tensor(String name) throws IOException {
        Entry e = entry(name);
        float[] values = new float[count(e)];
        MemorySegment bytes = bytesOf(e);
        DType dtype = e.dtype();
        Parallel.forRange(values.length, 2, (from, to) -> {
            switch (dtype) {
                case F32 -> MemorySegment.copy(bytes, F32, 4L * from, values, from, to - from);
                case F16 -> {
                    for (int i = from; i < to; i++) {
                        values[i] = Float.float16ToFloat(bytes.getAtIndex(I16, i));
                    }
                }
                case BF16 -> {
                    for (int i = from; i < to; i++) {
                        values[i] = DType.fromBf16(bytes.getAtIndex(I16, i));
                    }
                }
                case F64 -> {
                    for (int i = from; i < to; i++) {
                        values[i] = (float) bytes.getAtIndex(F64, i);
                    }
                }
                default -> {
                    for (int i = from; i < to; i++) {
                        values[i] = integerAt(dtype, bytes, i);
                    }
                }
            }
        });
        return Tensor.of(values, e.shape());
    }

    private static long integerAt(DType dtype, MemorySegment bytes, long i) {
        return switch (dtype) {
            case I8 -> bytes.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> bytes.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case I32 -> bytes.getAtIndex(I32, i);
            case I64 -> bytes.getAtIndex(I64, i);
            default -> throw new IllegalStateException(dtype + " is not an integer type");
        };
    }

    private Entry integerEntry(String name) throws IOException {
        Entry e = entry(name);
        if (!e.dtype().isInteger()) {
            throw new IOException(file + ": tensor '" + name + "' is " + e.dtype() + ", not an integer type");
        }
        return e;
    }

    /** An integer tensor (I8, U8, BOOL, I32, I64) as longs. */
    public long[] longs(String name) throws IOException {
        Entry e = integerEntry(name);
        long[] values = new long[count(e)];
        MemorySegment bytes = bytesOf(e);
        for (int i = 0; i < values.length; i++) {
            values[i] = integerAt(e.dtype(), bytes, i);
        }
        return values;
    }

    /** An integer tensor as ints; I64 values outside the int range are an error. */
    public int[] ints(String name) throws IOException {
        Entry e = integerEntry(name);
        int[] values = new int[count(e)];
        MemorySegment bytes = bytesOf(e);
        for (int i = 0; i < values.length; i++) {
            long v = integerAt(e.dtype(), bytes, i);
            if (v != (int) v) {
                throw new IOException(file + ": tensor '" + name + "' holds " + v + " at index " + i + ", outside the int range");
            }
            values[i] = (int) v;
        }
        return values;
    }

    /** The raw little-endian bytes of a tensor (e.g. int8 weights kept quantized). */
    public byte[] bytes(String name) throws IOException {
        Entry e = entry(name);
        if (e.end() - e.begin() > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor '" + name + "' has more bytes than a Java array holds");
        }
        return bytesOf(e).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Every tensor as float32, in header order (a model's state dict, say). */
    public Map<String, Tensor> tensors() throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : entries.keySet()) {
            out.put(name, tensor(name));
        }
        return out;
    }

    /** Unmaps the file; tensors already read stay valid (they are copies). */
    @Override
    public void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- writing

    /**
     * Collects tensors to write; {@link #write} lays them out in the order added. Values are read when
     * {@code write} runs (nothing is copied before), so a model's weights are streamed straight to the file.
     */
    public static final class Writer {
        /** Encodes elements [from, to) of one tensor into {@code out}. */
        private interface Encoder {
            void encode(int from, int to, ByteBuffer out);
        }

        private record Item(String name, DType dtype, int[] shape, int count, Encoder encoder) {
        }

        private final List<Item> items = new ArrayList<>();
        private final Map<String, Item> byName = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        public Writer metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** Adds a float tensor stored as {@code dtype}: F32, or F16 / BF16 rounded to nearest even. */
        public Writer add(String name, Tensor tensor, DType dtype) {
            Tensor source = tensor.isContiguous() ? tensor : tensor.copy();
            float[] v = source.data();
            int off = source.offset();
            Encoder encoder = switch (dtype) {
                case F32 -> (from, to, out) -> {
                    out.asFloatBuffer().put(v, off + from, to - from);
                    out.position(out.position() + 4 * (to - from));
                };
                case F16 -> (from, to, out) -> {
                    for (int i = from; i < to; i++) {
                        out.putShort(Float.floatToFloat16(v[off + i]));
                    }
                };
                case BF16 -> (from, to, out) -> {
                    for (int i = from; i < to; i++) {
                        out.putShort(DType.toBf16(v[off + i]));
                    }
                };
                default -> throw new IllegalArgumentException("tensor '" + name + "': float tensors are written as F32, F16 or BF16, not " + dtype);
            };
            return add(new Item(name, dtype, tensor.shape(), source.numel(), encoder));
        }

        public Writer add(String name, Tensor tensor) {
            return add(name, tensor, DType.F32);
        }

        /** Adds an integer tensor as I64, I32, I8, U8 or BOOL; a value the type cannot hold is an error. */
        public Writer addLongs(String name, long[] values, int[] shape, DType dtype) {
            return addIntegers(name, dtype, shape, values.length, i -> values[i]);
        }

        /** Adds an integer tensor as I64, I32, I8, U8 or BOOL; a value the type cannot hold is an error. */
        public Writer addInts(String name, int[] values, int[] shape, DType dtype) {
            return addIntegers(name, dtype, shape, values.length, i -> values[i]);
        }

        private Writer addIntegers(String name, DType dtype, int[] shape, int count, IntToLongFunction value) {
            long min = switch (dtype) {
                case I64 -> Long.MIN_VALUE;
                case I32 -> Integer.MIN_VALUE;
                case I8 -> Byte.MIN_VALUE;
                case U8, BOOL -> 0;
                default -> throw new IllegalArgumentException("tensor '" + name + "': integer tensors are I64, I32, I8, U8 or BOOL, not " + dtype);
            };
            long max = switch (dtype) {
                case I64 -> Long.MAX_VALUE;
                case I32 -> Integer.MAX_VALUE;
                case I8 -> Byte.MAX_VALUE;
                case U8 -> 255;
                default -> 1;
            };
            for (int i = 0; i < count; i++) {
                long v = value.applyAsLong(i);
                if (v < min || v > max) {
                    throw new IllegalArgumentException("tensor '" + name + "': value " + v + " at index " + i + " does not fit " + dtype);
                }
            }
            Encoder encoder = (from, to, out) -> {
                for (int i = from; i < to; i++) {
                    long v = value.applyAsLong(i);
                    switch (dtype) {
                        case I64 -> out.putLong(v);
                        case I32 -> out.putInt((int) v);
                        default -> out.put((byte) v);
                    }
                }
            };
            return add(new Item(name, dtype, shape.clone(), count, encoder));
        }

        /** Adds bytes already in the dtype's little-endian encoding. */
        public Writer addRaw(String name, DType dtype, int[] shape, byte[] bytes) {
            if (bytes.length % dtype.bytes != 0) {
                throw new IllegalArgumentException("tensor '" + name + "': " + bytes.length + " bytes are not whole " + dtype + " values");
            }
            Encoder encoder = (from, to, out) -> out.put(bytes, from * dtype.bytes, (to - from) * dtype.bytes);
            return add(new Item(name, dtype, shape.clone(), bytes.length / dtype.bytes, encoder));
        }

        private Writer add(Item item) {
            long numel = 1;
            for (int d : item.shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor '" + item.name + "': negative dimension in " + Arrays.toString(item.shape));
                }
                numel *= d;
            }
            if (numel != item.count) {
                throw new IllegalArgumentException("tensor '" + item.name + "': " + item.count + " values for shape "
                        + Arrays.toString(item.shape));
            }
            if (item.name.isEmpty() || item.name.equals("__metadata__")) {
                throw new IllegalArgumentException("'" + item.name + "' cannot name a tensor");
            }
            if (byName.putIfAbsent(item.name, item) != null) {
                throw new IllegalArgumentException("tensor '" + item.name + "' added twice");
            }
            items.add(item);
            return this;
        }

        /** Writes the file atomically: to a temporary file in the same folder, then renamed over the target. */
        public void write(Path file) throws IOException {
            ObjectNode header = JSON.createObjectNode();
            if (!metadata.isEmpty()) {
                ObjectNode meta = header.putObject("__metadata__");
                metadata.forEach(meta::put);
            }
            long offset = 0;
            for (Item item : items) {
                ObjectNode node = header.putObject(item.name);
                node.put("dtype", item.dtype.name());
                var shape = node.putArray("shape");
                for (int d : item.shape) {
                    shape.add(d);
                }
                long size = (long) item.count * item.dtype.bytes;
                node.putArray("data_offsets").add(offset).add(offset + size);
                offset += size;
            }
            byte[] json = JSON.writeValueAsBytes(header);
            // The reference writer pads the header with spaces so the data starts 8-byte aligned.
            int padded = (json.length + 7) / 8 * 8;
            byte[] headerBytes = Arrays.copyOf(json, padded);
            Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
            Path parent = file.toAbsolutePath().getParent();
            Path temp = null;
            try {
                Files.createDirectories(parent);
                temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip());
                    writeFully(out, ByteBuffer.wrap(headerBytes));
                    ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                    for (Item item : items) {
                        int perChunk = chunk.capacity() / item.dtype.bytes;
                        for (int from = 0; from < item.count; from += perChunk) {
                            chunk.clear();
                            item.encoder.encode(from, Math.min(item.count, from + perChunk), chunk);
                            writeFully(out, chunk.flip());
                        }
                    }
                    out.force(true);
                }
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (temp != null) {
                    Files.deleteIfExists(temp);
                }
                throw new IOException(file + ": cannot write (" + e + ")", e);
            }
        }

        private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
    }

    public static Writer writer() {
        return new Writer();
    }

    /** Writes float tensors as F32 in the given order (a model's state dict, say). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Writer writer = writer();
        metadata.forEach(writer::metadata);
        tensors.forEach(writer::add);
        writer.write(file);
    }
}
