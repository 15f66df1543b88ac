package dev.jlm.models;

import dev.jlm.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch's {@code pytorch_model.bin} (the zip format of {@code torch.save}): a pickled state dict whose
 * tensors point into raw storage files. The unpickler is restricted: it builds only dicts, tuples, lists, numbers,
 * strings and tensors, and refuses every class outside a short list, so a checkpoint cannot run code.
 */
public final class TorchCheckpoint {
    /** The globals a state dict needs; anything else in a pickle is refused. */
    private static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
            "torch.DoubleStorage", "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
            "torch.ByteStorage", "torch.BoolStorage");

    private record Global(String name) {
    }

    private record Storage(String type, String key) {
    }

    private record TensorRef(Storage storage, long offset, int[] shape, int[] stride) {
    }

    private static final Object MARK = new Object();

    private TorchCheckpoint() {
    }

    /** The checkpoint's tensors by name, as float32 (integer and half types converted). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such checkpoint");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = zip.stream().filter(e -> e.getName().endsWith("/data.pkl")).findFirst()
                    .orElseThrow(() -> new IOException(file + ": no data.pkl (not a torch.save zip checkpoint)"));
            String root = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            Object result;
            try (var in = zip.getInputStream(pickle)) {
                result = unpickle(ByteBuffer.wrap(in.readAllBytes()), file);
            }
            if (!(result instanceof Map<?, ?> dict)) {
                throw new IOException(file + ": the pickle does not hold a state dict");
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var entry : dict.entrySet()) {
                if (!(entry.getValue() instanceof TensorRef ref)) {
                    continue;
                }
                ByteBuffer data = storages.get(ref.storage().key());
                if (data == null) {
                    ZipEntry e = zip.getEntry(root + "data/" + ref.storage().key());
                    if (e == null) {
                        throw new IOException(file + ": storage " + ref.storage().key() + " of '" + entry.getKey() + "' is missing");
                    }
                    try (var in = zip.getInputStream(e)) {
                        data = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    storages.put(ref.storage().key(), data);
                }
                tensors.put((String) entry.getKey(), materialize(ref, data, file, (String) entry.getKey()));
            }
            return tensors;
        }
    }

    /** Copies a (possibly strided, offset) view of a storage into a contiguous float tensor. */
    private static Tensor materialize(TensorRef ref, ByteBuffer data, Path file, String name) throws IOException {
        int width = switch (ref.storage().type()) {
            case "torch.FloatStorage", "torch.IntStorage" -> 4;
            case "torch.HalfStorage", "torch.BFloat16Storage", "torch.ShortStorage" -> 2;
            case "torch.DoubleStorage", "torch.LongStorage" -> 8;
            default -> 1;
        };
        int n = 1;
        for (int d : ref.shape()) {
            n *= d;
        }
        float[] values = new float[n];
        int[] index = new int[ref.shape().length];
        for (int i = 0; i < n; i++) {
            long element = ref.offset();
            for (int d = 0; d < index.length; d++) {
                element += (long) index[d] * ref.stride()[d];
            }
            long at = element * width;
            if (at < 0 || at + width > data.capacity()) {
                throw new IOException(file + ": tensor '" + name + "' reads past the end of its storage");
            }
            int p = (int) at;
            values[i] = switch (ref.storage().type()) {
                case "torch.FloatStorage" -> data.getFloat(p);
                case "torch.HalfStorage" -> Float.float16ToFloat(data.getShort(p));
                case "torch.BFloat16Storage" -> Float.intBitsToFloat((data.getShort(p) & 0xffff) << 16);
                case "torch.DoubleStorage" -> (float) data.getDouble(p);
                case "torch.LongStorage" -> data.getLong(p);
                case "torch.IntStorage" -> data.getInt(p);
                case "torch.ShortStorage" -> data.getShort(p);
                case "torch.ByteStorage", "torch.BoolStorage" -> data.get(p) & 0xff;
                default -> data.get(p);
            };
            for (int d = index.length - 1; d >= 0; d--) {
                if (++index[d] < ref.shape()[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return Tensor.of(values, ref.shape());
    }

    /** A restricted pickle machine (protocol 2 opcodes that torch.save emits). */
    private static Object unpickle(ByteBuffer in, Path file) throws IOException {
        Deque<Object> stack = new ArrayDeque<>();
        Map<Integer, Object> memo = new HashMap<>();
        try {
            while (true) {
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> in.get();                                          // PROTO
                    case 0x95 -> in.getLong();                                      // FRAME
                    case '}' -> stack.push(new LinkedHashMap<>());                   // EMPTY_DICT
                    case ']' -> stack.push(new ArrayList<>());                       // EMPTY_LIST
                    case ')' -> stack.push(new Object[0]);                           // EMPTY_TUPLE
                    case '(' -> stack.push(MARK);                                    // MARK
                    case 'N' -> stack.push(NONE);
                    case 0x88 -> stack.push(Boolean.TRUE);                           // NEWTRUE
                    case 0x89 -> stack.push(Boolean.FALSE);                          // NEWFALSE
                    case 'K' -> stack.push((long) (in.get() & 0xff));                // BININT1
                    case 'M' -> stack.push((long) (in.order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff)); // BININT2
                    case 'J' -> stack.push((long) in.order(ByteOrder.LITTLE_ENDIAN).getInt());             // BININT
                    case 0x8a -> stack.push(long1(in));                              // LONG1
                    case 'G' -> stack.push(in.order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                    case 'X' -> stack.push(string(in, in.order(ByteOrder.LITTLE_ENDIAN).getInt()));        // BINUNICODE
                    case 0x8c -> stack.push(string(in, in.get() & 0xff));            // SHORT_BINUNICODE
                    case 'U' -> stack.push(string(in, in.get() & 0xff));             // SHORT_BINSTRING
                    case 'q' -> memo.put(in.get() & 0xff, stack.peek());             // BINPUT
                    case 'r' -> memo.put(in.order(ByteOrder.LITTLE_ENDIAN).getInt(), stack.peek()); // LONG_BINPUT
                    case 0x94 -> memo.put(memo.size(), stack.peek());                // MEMOIZE
                    case 'h' -> stack.push(memo.get(in.get() & 0xff));               // BINGET
                    case 'j' -> stack.push(memo.get(in.order(ByteOrder.LITTLE_ENDIAN).getInt())); // LONG_BINGET
                    case 'c' -> {                                                    // GLOBAL
                        String name = line(in) + "." + line(in);
                        if (!ALLOWED.contains(name)) {
                            throw new IOException(file + ": refuses to load '" + name + "' (only tensors and dicts are allowed)");
                        }
                        stack.push(new Global(name));
                    }
                    case 't' -> stack.push(popMark(stack).toArray());                // TUPLE
                    case 0x85 -> stack.push(new Object[] {stack.pop()});             // TUPLE1
                    case 0x86 -> {                                                   // TUPLE2
                        Object b = stack.pop();
                        stack.push(new Object[] {stack.pop(), b});
                    }
                    case 0x87 -> {                                                   // TUPLE3
                        Object c = stack.pop();
                        Object b = stack.pop();
                        stack.push(new Object[] {stack.pop(), b, c});
                    }
                    case 'Q' -> stack.push(storage(stack.pop(), file));             // BINPERSID
                    case 'R' -> {                                                    // REDUCE
                        Object[] args = (Object[]) stack.pop();
                        stack.push(call((Global) stack.pop(), args, file));
                    }
                    case 's' -> {                                                    // SETITEM
                        Object value = stack.pop();
                        Object key = stack.pop();
                        asMap(stack.peek(), file).put(key, value);
                    }
                    case 'u' -> {                                                    // SETITEMS
                        List<Object> items = popMark(stack);
                        Map<Object, Object> map = asMap(stack.peek(), file);
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            map.put(items.get(i), items.get(i + 1));
                        }
                    }
                    case 'a' -> {                                                    // APPEND
                        Object value = stack.pop();
                        asList(stack.peek(), file).add(value);
                    }
                    case 'e' -> {                                                    // APPENDS
                        List<Object> items = popMark(stack);
                        asList(stack.peek(), file).addAll(items);
                    }
                    case 'b' -> stack.pop();                                         // BUILD: object state is not needed
                    case '.' -> {                                                    // STOP
                        return stack.pop();
                    }
                    default -> throw new IOException(file + ": unsupported pickle opcode 0x" + Integer.toHexString(op)
                            + " at byte " + (in.position() - 1));
                }
            }
        } catch (java.nio.BufferUnderflowException | ClassCastException | java.util.NoSuchElementException e) {
            throw new IOException(file + ": malformed pickle (" + e.getClass().getSimpleName() + " at byte " + in.position() + ")");
        }
    }

    private static final Object NONE = new Object();

    private static Object call(Global callable, Object[] args, Path file) throws IOException {
        return switch (callable.name()) {
            case "collections.OrderedDict" -> new LinkedHashMap<>();
            case "torch._utils._rebuild_parameter" -> args[0];
            case "torch._utils._rebuild_tensor_v2" -> new TensorRef((Storage) args[0], (Long) args[1], ints((Object[]) args[2]),
                    ints((Object[]) args[3]));
            default -> throw new IOException(file + ": cannot call '" + callable.name() + "'");
        };
    }

    private static Storage storage(Object pid, Path file) throws IOException {
        if (!(pid instanceof Object[] tuple) || tuple.length < 3 || !"storage".equals(tuple[0]) || !(tuple[1] instanceof Global type)) {
            throw new IOException(file + ": unexpected persistent id in the pickle");
        }
        return new Storage(type.name(), (String) tuple[2]);
    }

    private static int[] ints(Object[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.toIntExact((Long) values[i]);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asMap(Object o, Path file) throws IOException {
        if (o instanceof Map<?, ?> map) {
            return (Map<Object, Object>) map;
        }
        throw new IOException(file + ": SETITEM on a value that is not a dict");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o, Path file) throws IOException {
        if (o instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw new IOException(file + ": APPEND on a value that is not a list");
    }

    private static List<Object> popMark(Deque<Object> stack) {
        List<Object> items = new ArrayList<>();
        while (stack.peek() != MARK) {
            items.add(0, stack.pop());
        }
        stack.pop();
        return items;
    }

    private static long long1(ByteBuffer in) {
        int n = in.get() & 0xff;
        long value = 0;
        for (int i = 0; i < n; i++) {
            value |= (long) (in.get() & 0xff) << (8 * i);
        }
        if (n > 0 && n < 8 && (value & (1L << (8 * n - 1))) != 0) {
            value -= 1L << (8 * n);
        }
        return value;
    }

    private static String string(ByteBuffer in, int length) {
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String line(ByteBuffer in) {
        StringBuilder out = new StringBuilder();
        for (byte b; (b = in.get()) != '\n'; ) {
            out.append((char) b);
        }
        return out.toString();
    }
}
