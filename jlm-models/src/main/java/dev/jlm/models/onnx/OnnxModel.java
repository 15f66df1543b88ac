package dev.jlm.models.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model that weight import needs — initializers (named constant tensors), Constant nodes and
 * the graph's nodes with their inputs and outputs — decoded straight from the protobuf wire format
 * (onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1, output = 2,
 * name = 3, op_type = 4, attribute = 5; TensorProto.dims = 1, data_type = 2, float_data = 4, int32_data = 5,
 * int64_data = 7, name = 8, raw_data = 9).
 */
public final class OnnxModel {
    /** A graph node: operator type, name, and the names of the values it reads and writes. */
    public record Node(String opType, String name, List<String> inputs, List<String> outputs) {
    }

    /** A constant tensor decoded to floats (integer tensors are converted), with its ONNX dims. */
    public record Initializer(String name, long[] dims, int dataType, float[] values) {
    }

    private final String source;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();

    private OnnxModel(String source) {
        this.source = source;
    }

    /** Parses a serialized ModelProto; {@code source} names the file in error messages. */
    public static OnnxModel parse(ByteBuffer bytes, String source) throws IOException {
        OnnxModel model = new OnnxModel(source);
        try {
            Reader model_ = new Reader(bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN), source);
            while (model_.hasMore()) {
                int tag = model_.tag();
                if (tag >>> 3 == 7 && (tag & 7) == 2) {
                    model.readGraph(model_.message());
                } else {
                    model_.skip(tag);
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new IOException(source + ": not a valid ONNX model (" + e.getMessage() + ")");
        }
        if (model.initializers.isEmpty()) {
            throw new IOException(source + ": ONNX model has no initializers (weights)");
        }
        return model;
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Map<String, Initializer> initializers() {
        return initializers;
    }

    public String source() {
        return source;
    }

    private void readGraph(Reader graph) throws IOException {
        while (graph.hasMore()) {
            int tag = graph.tag();
            switch (tag >>> 3) {
                case 1 -> readNode(graph.message());
                case 5 -> addInitializer(readTensor(graph.message()));
                default -> graph.skip(tag);
            }
        }
    }

    private void readNode(Reader node) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String opType = "";
        List<Initializer> constants = new ArrayList<>();
        while (node.hasMore()) {
            int tag = node.tag();
            switch (tag >>> 3) {
                case 1 -> inputs.add(node.string());
                case 2 -> outputs.add(node.string());
                case 3 -> name = node.string();
                case 4 -> opType = node.string();
                case 5 -> {
                    Initializer value = readAttributeTensor(node.message());
                    if (value != null) {
                        constants.add(value);
                    }
                }
                default -> node.skip(tag);
            }
        }
        if (opType.equals("Constant") && constants.size() == 1 && outputs.size() == 1) {
            Initializer c = constants.get(0);
            addInitializer(new Initializer(outputs.get(0), c.dims, c.dataType, c.values));
        }
        nodes.add(new Node(opType, name, List.copyOf(inputs), List.copyOf(outputs)));
    }

    /** The tensor of an AttributeProto (field t = 5), or null for other attribute kinds. */
    private Initializer readAttributeTensor(Reader attribute) throws IOException {
        Initializer tensor = null;
        while (attribute.hasMore()) {
            int tag = attribute.tag();
            if (tag >>> 3 == 5 && (tag & 7) == 2) {
                tensor = readTensor(attribute.message());
            } else {
                attribute.skip(tag);
            }
        }
        return tensor;
    }

    private void addInitializer(Initializer tensor) {
        initializers.put(tensor.name, tensor);
    }

    private Initializer readTensor(Reader tensor) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        List<Float> floats = new ArrayList<>();
        List<Long> integers = new ArrayList<>();
        while (tensor.hasMore()) {
            int tag = tensor.tag();
            int field = tag >>> 3;
            boolean packed = (tag & 7) == 2;
            switch (field) {
                case 1 -> tensor.varints(packed, dims::add);
                case 2 -> dataType = (int) tensor.varint();
                case 4 -> tensor.floats(packed, v -> floats.add((float) v));
                case 5, 7 -> tensor.varints(packed, integers::add);
                case 8 -> name = tensor.string();
                case 9 -> raw = tensor.bytes();
                case 13, 14 -> throw new IOException(source + ": tensor '" + name
                        + "' keeps its data in an external file, which is not supported");
                default -> tensor.skip(tag);
            }
        }
        long count = 1;
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
            count *= shape[i];
        }
        float[] values = new float[Math.toIntExact(count)];
        if (raw != null) {
            decodeRaw(raw, dataType, values, name);
        } else if (!floats.isEmpty()) {
            for (int i = 0; i < values.length; i++) {
                values[i] = floats.get(i);
            }
        } else if (!integers.isEmpty()) {
            for (int i = 0; i < values.length; i++) {
                values[i] = integers.get(i);
            }
        } else if (count > 0) {
            throw new IOException(source + ": tensor '" + name + "' has no data");
        }
        return new Initializer(name, shape, dataType, values);
    }

    private void decodeRaw(ByteBuffer raw, int dataType, float[] values, String name) throws IOException {
        int width = switch (dataType) {
            case 1, 6 -> 4;     // FLOAT, INT32
            case 7 -> 8;        // INT64
            case 10, 16 -> 2;   // FLOAT16, BFLOAT16
            case 2, 3, 9 -> 1;  // UINT8, INT8, BOOL
            default -> throw new IOException(source + ": tensor '" + name + "' has unsupported data type " + dataType);
        };
        if (raw.remaining() != (long) values.length * width) {
            throw new IOException(source + ": tensor '" + name + "' has " + raw.remaining() + " bytes of data, its dims need "
                    + (long) values.length * width);
        }
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (dataType) {
                case 1 -> raw.getFloat();
                case 6 -> raw.getInt();
                case 7 -> raw.getLong();
                case 10 -> Float.float16ToFloat(raw.getShort());
                case 16 -> Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
                case 2, 9 -> raw.get() & 0xff;
                default -> raw.get();
            };
        }
    }

    /** Protobuf wire-format cursor over one message. */
    private static final class Reader {
        private final ByteBuffer buffer;
        private final String source;

        Reader(ByteBuffer buffer, String source) {
            this.buffer = buffer;
            this.source = source;
        }

        boolean hasMore() {
            return buffer.hasRemaining();
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buffer.get();
                result |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint at byte " + buffer.position());
        }

        ByteBuffer bytes() {
            int length = Math.toIntExact(varint());
            if (length < 0 || length > buffer.remaining()) {
                throw new IllegalArgumentException("field length " + length + " runs past the end at byte " + buffer.position());
            }
            ByteBuffer slice = buffer.slice(buffer.position(), length).order(ByteOrder.LITTLE_ENDIAN);
            buffer.position(buffer.position() + length);
            return slice;
        }

        Reader message() {
            return new Reader(bytes(), source);
        }

        String string() {
            ByteBuffer bytes = bytes();
            byte[] array = new byte[bytes.remaining()];
            bytes.get(array);
            return new String(array, StandardCharsets.UTF_8);
        }

        void varints(boolean packed, java.util.function.LongConsumer sink) {
            if (packed) {
                Reader inner = new Reader(bytes(), source);
                while (inner.hasMore()) {
                    sink.accept(inner.varint());
                }
            } else {
                sink.accept(varint());
            }
        }

        void floats(boolean packed, java.util.function.DoubleConsumer sink) {
            if (packed) {
                ByteBuffer inner = bytes();
                while (inner.hasRemaining()) {
                    sink.accept(inner.getFloat());
                }
            } else {
                sink.accept(buffer.getFloat());
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> buffer.position(buffer.position() + 8);
                case 2 -> bytes();
                case 5 -> buffer.position(buffer.position() + 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " at byte " + buffer.position());
            }
        }
    }
}
