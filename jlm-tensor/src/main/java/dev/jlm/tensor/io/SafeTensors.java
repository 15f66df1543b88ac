package dev.jlm.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
 * byte range, then the raw little-endian data. Files are memory-mapped and tensors decoded on demand; every header
 * claim is checked against the file before any byte is read, so a malformed or lying file is a one-line error.
 */
public final class SafeTensors implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
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
            Map<String, Entry> entries = parseHeader(file, header, data.byteSize(), metadata);
            return new SafeTensors(file, arena, data, entries, metadata);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path file, byte[] header, long dataSize, Map<String, String> metadata)
            throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8).stripTrailing());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": header is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": header is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            DType dtype = DType.parse(node.path("dtype").asText(""));
            if (dtype == null) {
                throw new IOException(file + ": tensor '" + name + "' has unknown dtype '" + node.path("dtype").asText() + "'");
            }
            JsonNode shapeNode = node.path("shape");
            JsonNode offsets = node.path("data_offsets");
            if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                throw new IOException(file + ": tensor '" + name + "' needs a shape array and two data_offsets");
            }
            int[] shape = new int[shapeNode.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                long d = shapeNode.get(i).asLong(-1);
                if (!shapeNode.get(i).canConvertToLong() || d < 0 || d > Integer.MAX_VALUE) {
                    throw new IOException(file + ": tensor '" + name + "' has an invalid dimension " + shapeNode.get(i));
                }
                shape[i] = (int) d;
                numel = Math.multiplyExact(numel, d);
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataSize) {
                throw new IOException(file + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] outside the data section of " + dataSize + " bytes");
            }
            if (end - begin != numel * dtype.bytes) {
                throw new IOException(file + ": tensor '" + name + "' of shape " + Arrays.toString(shape) + " and dtype "
                        + dtype + " needs " + numel * dtype.bytes + " bytes, its data_offsets give " + (end - begin));
            }
            entries.put(name, new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin() != at) {
                throw new IOException(file + ": tensor '" + e.name() + "' starts at byte " + e.begin() + ", expected "
                        + at + " (overlapping or gapped data)");
            }
            at = e.end();
        }
        return entries;
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

    /** The tensor as float32 (F16, BF16 and integer types converted exactly). */
    public Tensor tensor(String name) throws IOException {
        Entry e = entry(name);
        int n = Math.toIntExact(e.numel());
        float[] values = new float[n];
        MemorySegment bytes = data.asSlice(e.begin(), e.end() - e.begin());
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(bytes, F32, 0, values, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Float.float16ToFloat(bytes.getAtIndex(I16, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = DType.fromBf16(bytes.getAtIndex(I16, i));
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.get(ValueLayout.JAVA_BYTE, i);
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.getAtIndex(I32, i);
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.getAtIndex(I64, i);
                }
            }
        }
        return Tensor.of(values, e.shape());
    }

    /** An integer tensor (I8, U8, I32, I64) as longs. */
    public long[] longs(String name) throws IOException {
        Entry e = entry(name);
        int n = Math.toIntExact(e.numel());
        long[] values = new long[n];
        MemorySegment bytes = data.asSlice(e.begin(), e.end() - e.begin());
        for (int i = 0; i < n; i++) {
            values[i] = switch (e.dtype()) {
                case I8 -> bytes.get(ValueLayout.JAVA_BYTE, i);
                case U8, BOOL -> bytes.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                case I32 -> bytes.getAtIndex(I32, i);
                case I64 -> bytes.getAtIndex(I64, i);
                default -> throw new IOException(file + ": tensor '" + name + "' is " + e.dtype() + ", not an integer type");
            };
        }
        return values;
    }

    /** The raw bytes of a tensor (e.g. int8 weights kept quantized). */
    public byte[] bytes(String name) throws IOException {
        Entry e = entry(name);
        return data.asSlice(e.begin(), e.end() - e.begin()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- writing

    /** Collects tensors to write; {@link #write} lays them out in the order added. */
    public static final class Writer {
        private record Item(String name, DType dtype, int[] shape, byte[] bytes) {
        }

        private final List<Item> items = new ArrayList<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        public Writer metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** Adds a float tensor stored as {@code dtype} (F32, F16 or BF16; rounding to nearest even). */
        public Writer add(String name, Tensor tensor, DType dtype) {
            float[] values = tensor.toArray();
            ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
            switch (dtype) {
                case F32 -> buffer.asFloatBuffer().put(values);
                case F16 -> {
                    for (float v : values) {
                        buffer.putShort(Float.floatToFloat16(v));
                    }
                }
                case BF16 -> {
                    for (float v : values) {
                        buffer.putShort(DType.toBf16(v));
                    }
                }
                default -> throw new IllegalArgumentException("float tensors are written as F32, F16 or BF16, not " + dtype);
            }
            return addRaw(name, dtype, tensor.shape(), buffer.array());
        }

        public Writer add(String name, Tensor tensor) {
            return add(name, tensor, DType.F32);
        }

        /** Adds an integer tensor as I32 or I64. */
        public Writer addLongs(String name, long[] values, int[] shape, DType dtype) {
            ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) {
                switch (dtype) {
                    case I64 -> buffer.putLong(v);
                    case I32 -> buffer.putInt(Math.toIntExact(v));
                    case I8 -> buffer.put((byte) v);
                    case U8 -> buffer.put((byte) v);
                    default -> throw new IllegalArgumentException("integer tensors are I8, U8, I32 or I64, not " + dtype);
                }
            }
            return addRaw(name, dtype, shape, buffer.array());
        }

        /** Adds bytes already in the dtype's little-endian encoding. */
        public Writer addRaw(String name, DType dtype, int[] shape, byte[] bytes) {
            long numel = 1;
            for (int d : shape) {
                numel *= d;
            }
            if (bytes.length != numel * dtype.bytes) {
                throw new IllegalArgumentException("tensor '" + name + "': " + bytes.length + " bytes for shape "
                        + Arrays.toString(shape) + " of " + dtype);
            }
            items.add(new Item(name, dtype, shape.clone(), bytes));
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
                node.putArray("data_offsets").add(offset).add(offset + item.bytes.length);
                offset += item.bytes.length;
            }
            byte[] json = JSON.writeValueAsBytes(header);
            int padded = (json.length + 7) / 8 * 8;
            byte[] headerBytes = Arrays.copyOf(json, padded);
            Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
                writeFully(out, length);
                writeFully(out, ByteBuffer.wrap(headerBytes));
                for (Item item : items) {
                    writeFully(out, ByteBuffer.wrap(item.bytes));
                }
                out.force(true);
            } catch (IOException e) {
                Files.deleteIfExists(temp);
                throw new IOException(file + ": cannot write (" + e.getMessage() + ")", e);
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
