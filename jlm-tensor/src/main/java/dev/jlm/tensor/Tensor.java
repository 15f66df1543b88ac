package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Elementwise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A float32 n-dimensional array with reverse-mode autograd. Storage is a {@code float[]} shared by views
 * ({@link #reshape}, {@link #transpose}, {@link #slice}), each with its own offset, shape and strides.
 *
 * <p>Every differentiable op computes its output and, when gradients are being recorded, attaches the backward
 * step right next to it: a closure that adds this op's contribution into its inputs' gradient buffers.
 * {@link #backward()} runs those closures in reverse topological order.
 */
public final class Tensor {
    final float[] data;
    final int offset;
    final int[] shape;
    final int[] strides;
    /** Count of in-place writes to the storage, one counter shared by all views of it. */
    private final int[] version;

    private boolean requiresGrad;
    private Tensor grad;
    /** A leaf's dropped gradient buffer, reused by the next backward so training steps allocate nothing. */
    private Tensor spareGrad;
    private Backward backward;
    private Tensor[] inputs;
    private String opName;

    /** An op's backward step: reads {@code out.grad} and adds into its inputs' gradients. */
    @FunctionalInterface
    public interface Backward {
        void apply(Tensor outGrad);
    }

    Tensor(float[] data, int offset, int[] shape, int[] strides) {
        this(data, offset, shape, strides, new int[1]);
    }

    /** A view of the storage {@code version} counts writes to. */
    private Tensor(float[] data, int offset, int[] shape, int[] strides, int[] version) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.version = version;
    }

    // ---------------------------------------------------------------- creation

    /** A tensor over {@code data} (not copied) with the given shape. */
    public static Tensor of(float[] data, int... shape) {
        if (Shapes.numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Shapes.numel(shape)
                    + " values, got " + data.length);
        }
        return new Tensor(data, 0, shape.clone(), Shapes.contiguousStrides(shape));
    }

    public static Tensor scalar(float value) {
        return of(new float[] {value});
    }

    public static Tensor zeros(int... shape) {
        return of(new float[Shapes.numel(shape)], shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] data = new float[Shapes.numel(shape)];
        Arrays.fill(data, value);
        return of(data, shape);
    }

    /** Standard normal values from a seeded generator: the same seed gives the same tensor on every machine. */
    public static Tensor randn(long seed, int... shape) {
        return randn(new SplittableRandom(seed), shape);
    }

    public static Tensor randn(SplittableRandom random, int... shape) {
        float[] data = new float[Shapes.numel(shape)];
        for (int i = 0; i < data.length; i += 2) {
            // Box–Muller: two normals per pair of uniforms.
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double radius = Math.sqrt(-2.0 * Math.log(u1));
            data[i] = (float) (radius * Math.cos(2 * Math.PI * u2));
            if (i + 1 < data.length) {
                data[i + 1] = (float) (radius * Math.sin(2 * Math.PI * u2));
            }
        }
        return of(data, shape);
    }

    /** Uniform values in [low, high). */
    public static Tensor uniform(SplittableRandom random, float low, float high, int... shape) {
        float[] data = new float[Shapes.numel(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (low + (high - low) * random.nextDouble());
        }
        return of(data, shape);
    }

    /** A fresh contiguous output of the given shape for an op (pooled inside a {@link Memory#scope()}). */
    static Tensor output(boolean zeroed, int... shape) {
        return new Tensor(Memory.allocate(Shapes.numel(shape), zeroed), 0, shape, Shapes.contiguousStrides(shape));
    }

    /** Public form of {@link #output} for op families outside this class; the values are undefined. */
    public static Tensor empty(int... shape) {
        return output(false, shape);
    }

    // ---------------------------------------------------------------- shape and data access

    public int[] shape() {
        return shape.clone();
    }

    public int dim() {
        return shape.length;
    }

    /** Size of dimension {@code d}; negative counts from the end. */
    public int size(int d) {
        return shape[Shapes.axis(d, shape.length)];
    }

    public int numel() {
        return Shapes.numel(shape);
    }

    public boolean isContiguous() {
        return Shapes.isContiguous(shape, strides);
    }

    /**
     * The backing array of a contiguous tensor, to be read from {@link #offset()} for {@link #numel()} values. Code
     * that writes through it (an optimizer step) calls {@link #bumpVersion()} afterwards.
     */
    public float[] data() {
        return data;
    }

    /**
     * How many times this tensor's storage has been written in place (PyTorch's {@code _version}), one count shared
     * by every view of the storage. A kernel that keeps a derived copy of a tensor (a weight packed for the matrix
     * kernel) reuses it only while the version it was made from is current.
     */
    public int version() {
        return version[0];
    }

    /** Records an in-place write made through {@link #data()}. */
    public void bumpVersion() {
        version[0]++;
    }

    public int offset() {
        return offset;
    }

    public int[] strides() {
        return strides.clone();
    }

    public float get(int... index) {
        return data[flatIndex(index)];
    }

    public void set(float value, int... index) {
        data[flatIndex(index)] = value;
        version[0]++;
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " for shape " + Arrays.toString(shape));
        }
        int flat = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " for shape " + Arrays.toString(shape));
            }
            flat += index[d] * strides[d];
        }
        return flat;
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() needs one element, shape is " + Arrays.toString(shape));
        }
        return data[offset];
    }

    /** A copy of the values in row-major order. */
    public float[] toArray() {
        if (isContiguous()) {
            return Arrays.copyOfRange(data, offset, offset + numel());
        }
        float[] out = new float[numel()];
        Shapes.copyStrided(data, offset, shape, strides, out, 0);
        return out;
    }

    @Override
    public String toString() {
        float[] values = toArray();
        String head = Arrays.toString(Arrays.copyOf(values, Math.min(values.length, 8)));
        return "Tensor" + Arrays.toString(shape) + (values.length > 8 ? head.replace("]", ", …]") : head)
                + (requiresGrad ? " requiresGrad" : "") + (opName != null ? " <" + opName + ">" : "");
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor (a parameter) as needing a gradient; returns this. */
    public Tensor requiresGrad(boolean required) {
        if (backward != null) {
            throw new IllegalStateException("requiresGrad can only be set on leaf tensors");
        }
        this.requiresGrad = required;
        return this;
    }

    /** The accumulated gradient, or null before any backward pass reached this tensor. */
    public Tensor grad() {
        return grad;
    }

    /** Drops the accumulated gradient (optimizers' zero_grad with set_to_none); its storage is kept for reuse. */
    public void zeroGrad() {
        if (grad != null && isLeaf()) {
            spareGrad = grad;
        }
        grad = null;
    }

    /** This tensor's values with no history: shares storage, never receives gradients. */
    public Tensor detach() {
        return new Tensor(data, offset, shape, strides, version);
    }

    /** A contiguous copy with fresh (never recycled) storage and no history. */
    public Tensor copy() {
        return of(toArray(), shape);
    }

    boolean isLeaf() {
        return backward == null;
    }

    /**
     * The gradient buffer an op's backward step adds into: contiguous, same shape as this tensor, zero-filled on
     * first use. Leaves (parameters) get persistent storage; intermediates get pooled storage.
     */
    public Tensor gradBuffer() {
        if (grad == null) {
            if (isLeaf() && spareGrad != null) {
                grad = spareGrad;
                spareGrad = null;
                Arrays.fill(grad.data, 0f);
            } else {
                grad = isLeaf() ? zeros(shape) : output(true, shape.clone());
            }
        }
        return grad;
    }

    /**
     * Records {@code backward} as the way gradients flow from this (freshly computed) tensor into {@code inputs}, when
     * grad mode is on and some input requires a gradient. Returns this, for op code to end with
     * {@code return out.track(...)}.
     */
    public Tensor track(String name, Backward step, Tensor... from) {
        if (!GradMode.enabled()) {
            return this;
        }
        for (Tensor input : from) {
            if (input.requiresGrad) {
                this.requiresGrad = true;
                this.backward = step;
                this.inputs = from;
                this.opName = name;
                return this;
            }
        }
        return this;
    }

    /** Backpropagates from this scalar (seeded with 1). */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward() without a seed needs a scalar, shape is " + Arrays.toString(shape));
        }
        backward(full(1f, shape));
    }

    /** Backpropagates {@code seed} (same shape as this) through the recorded graph, accumulating into leaves. */
    public void backward(Tensor seed) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward() on a tensor that does not require a gradient");
        }
        Elementwise.accumulate(seed.contiguous().data, seed.contiguous().offset, gradBuffer().data, 0, numel());
        List<Tensor> order = topologicalOrder();
        try (var off = GradMode.off()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor node = order.get(i);
                if (node.backward != null && node.grad != null) {
                    node.backward.apply(node.grad);
                    // Intermediate gradients are not kept (like PyTorch without retain_grad): back to the pool at once,
                    // so a step's peak holds the activations and only the gradients still flowing.
                    Memory.release(node.grad.data);
                    node.grad = null;
                }
            }
        }
        for (Tensor node : order) {
            node.backward = null;
            node.inputs = null;
        }
    }

    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        ArrayDeque<Integer> next = new ArrayDeque<>();
        stack.push(this);
        next.push(0);
        visited.add(this);
        while (!stack.isEmpty()) {
            Tensor node = stack.peek();
            int child = next.pop();
            if (node.inputs != null && child < node.inputs.length) {
                next.push(child + 1);
                Tensor input = node.inputs[child];
                if (input.requiresGrad && visited.add(input)) {
                    stack.push(input);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(node);
            }
        }
        return order;
    }

    // ---------------------------------------------------------------- views

    /** Same values in a new shape (one dimension may be -1); a view when the layout allows, else a copy. */
    public Tensor reshape(int... newShape) {
        int[] target = Shapes.inferReshape(newShape, numel());
        Tensor source = isContiguous() ? this : contiguous();
        Tensor out = new Tensor(source.data, source.offset, target, Shapes.contiguousStrides(target), source.version);
        return out.track("reshape", g -> Elementwise.accumulate(g.data, g.offset, source.gradBuffer().data, 0, g.numel()), source);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        int a = Shapes.axis(dim0, shape.length);
        int b = Shapes.axis(dim1, shape.length);
        int[] newShape = shape.clone();
        int[] newStrides = strides.clone();
        newShape[a] = shape[b];
        newShape[b] = shape[a];
        newStrides[a] = strides[b];
        newStrides[b] = strides[a];
        Tensor out = new Tensor(data, offset, newShape, newStrides, version);
        return out.track("transpose", g -> accumulateStrided(g.transpose(a, b)), this);
    }

    /**
     * The tensor this one is a recorded {@code transpose(-2, -1)} view of, or null: lets matmul read the source in
     * place and send gradients to it directly.
     */
    Tensor transposeSource() {
        if (!"transpose".equals(opName) || inputs == null || inputs.length != 1 || dim() < 2) {
            return null;
        }
        Tensor source = inputs[0];
        int r = dim();
        if (source.data != data || source.offset != offset || source.dim() != r
                || source.shape[r - 1] != shape[r - 2] || source.shape[r - 2] != shape[r - 1]
                || source.strides[r - 1] != strides[r - 2] || source.strides[r - 2] != strides[r - 1]) {
            return null;
        }
        for (int d = 0; d < r - 2; d++) {
            if (source.shape[d] != shape[d] || source.strides[d] != strides[d]) {
                return null;
            }
        }
        return source;
    }

    /** Reorders dimensions (a view): {@code permute(0, 2, 1, 3)} as in PyTorch. */
    public Tensor permute(int... order) {
        if (order.length != shape.length) {
            throw new IllegalArgumentException("permute needs " + shape.length + " dimensions, got " + order.length);
        }
        int[] newShape = new int[order.length];
        int[] newStrides = new int[order.length];
        int[] inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.axis(order[i], shape.length);
            newShape[i] = shape[d];
            newStrides[i] = strides[d];
            inverse[d] = i;
        }
        Tensor out = new Tensor(data, offset, newShape, newStrides, version);
        return out.track("permute", g -> accumulateStrided(g.permute(inverse)), this);
    }

    /** Elements {@code [start, end)} along {@code dim} (a view). */
    public Tensor slice(int dim, int start, int end) {
        int d = Shapes.axis(dim, shape.length);
        if (start < 0 || end > shape[d] || start > end) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of dimension " + d + " with size " + shape[d]);
        }
        int[] newShape = shape.clone();
        newShape[d] = end - start;
        Tensor out = new Tensor(data, offset + start * strides[d], newShape, strides, version);
        return out.track("slice", g -> {
            Tensor target = gradBuffer();
            Tensor window = new Tensor(target.data, target.offset + start * target.strides[d], newShape, target.strides);
            window.addInPlaceFrom(g);
        }, this);
    }

    /** The sub-tensor at {@code index} along {@code dim}, which disappears (a view). */
    public Tensor select(int dim, int index) {
        int d = Shapes.axis(dim, shape.length);
        Tensor piece = slice(d, index, index + 1);
        int[] newShape = Shapes.reduced(shape, d, false);
        int[] newStrides = new int[newShape.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                newStrides[j++] = strides[i];
            }
        }
        Tensor out = new Tensor(data, piece.offset, newShape, newStrides, version);
        return out.track("select", g -> piece.gradBuffer().addInPlaceFrom(g.reshape(piece.shape)), piece);
    }

    /** Overwrites this tensor's values with {@code source}'s (same shape, any layouts), outside autograd. */
    public void assign(Tensor source) {
        if (!Arrays.equals(shape, source.shape)) {
            throw new IllegalArgumentException("assign " + Arrays.toString(source.shape) + " into " + Arrays.toString(shape));
        }
        copyFrom(source);
    }

    /** Inserts a dimension of size 1 at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        int[] newShape = new int[shape.length + 1];
        for (int i = 0, j = 0; i < newShape.length; i++) {
            newShape[i] = i == d ? 1 : shape[j++];
        }
        return reshape(newShape);
    }

    /** A contiguous tensor with the same values: this one when already contiguous. */
    public Tensor contiguous() {
        if (isContiguous()) {
            return this;
        }
        Tensor out = output(false, shape.clone());
        Shapes.copyStrided(data, offset, shape, strides, out.data, 0);
        return out.track("contiguous", g -> accumulateStrided(g), this);
    }

    /** Adds {@code g} (contiguous, this tensor's shape in a view's layout) into this tensor's gradient. */
    private void accumulateStrided(Tensor g) {
        gradBuffer().addInPlaceFrom(g);
    }

    /** this = other, element by element in logical order (same shape, any layouts); no autograd. */
    void copyFrom(Tensor other) {
        version[0]++;
        if (isContiguous() && other.isContiguous()) {
            System.arraycopy(other.data, other.offset, data, offset, numel());
            return;
        }
        forEachRowPair(other, (dst, src, n, dstStep, srcStep) -> {
            if (dstStep == 1 && srcStep == 1) {
                System.arraycopy(other.data, src, data, dst, n);
            } else {
                for (int j = 0; j < n; j++) {
                    data[dst + j * dstStep] = other.data[src + j * srcStep];
                }
            }
        });
    }

    /** A run of {@code n} elements of this tensor and of another, each with its own start and step. */
    private interface RowPair {
        void run(int dst, int src, int n, int dstStep, int srcStep);
    }

    /** Visits this tensor and a same-shaped tensor row by row (the last dimension), in logical order. */
    private void forEachRowPair(Tensor other, RowPair body) {
        if (shape.length == 0) {
            body.run(offset, other.offset, 1, 1, 1);
            return;
        }
        int last = shape.length - 1;
        int n = shape[last];
        int dstStep = strides[last];
        int srcStep = other.strides[last];
        Shapes.forEachRow(shape, new int[][] {strides, other.strides}, new int[] {offset, other.offset},
                offsets -> body.run(offsets[0], offsets[1], n, dstStep, srcStep));
    }

    /** this += other, element by element in logical order (same shape, any layouts); no autograd. */
    void addInPlaceFrom(Tensor other) {
        version[0]++;
        if (isContiguous() && other.isContiguous()) {
            Elementwise.accumulate(other.data, other.offset, data, offset, numel());
            return;
        }
        forEachRowPair(other, (dst, src, n, dstStep, srcStep) -> {
            if (dstStep == 1 && srcStep == 1) {
                Elementwise.accumulate(other.data, src, data, dst, n);
            } else {
                for (int j = 0; j < n; j++) {
                    data[dst + j * dstStep] += other.data[src + j * srcStep];
                }
            }
        });
    }

    // ---------------------------------------------------------------- element-wise arithmetic with broadcasting

    public Tensor add(Tensor other) {
        return Broadcast.binary(this, other, Elementwise.Op.ADD);
    }

    public Tensor sub(Tensor other) {
        return Broadcast.binary(this, other, Elementwise.Op.SUB);
    }

    public Tensor mul(Tensor other) {
        return Broadcast.binary(this, other, Elementwise.Op.MUL);
    }

    public Tensor div(Tensor other) {
        return Broadcast.binary(this, other, Elementwise.Op.DIV);
    }

    public Tensor add(float value) {
        return affine(1f, value);
    }

    public Tensor mul(float value) {
        return affine(value, 0f);
    }

    public Tensor neg() {
        return affine(-1f, 0f);
    }

    /** {@code scale * x + shift} without autograd (for backward steps). */
    Tensor affineRaw(float scale) {
        Tensor x = contiguous();
        Tensor out = output(false, shape.clone());
        Elementwise.affine(x.data, x.offset, scale, 0f, out.data, 0, out.numel());
        return out;
    }

    /** {@code scale * x + shift}, element-wise. */
    public Tensor affine(float scale, float shift) {
        Tensor x = contiguous();
        Tensor out = output(false, shape.clone());
        Elementwise.affine(x.data, x.offset, scale, shift, out.data, 0, out.numel());
        return out.track("affine", g -> Elementwise.accumulateScaled(g.data, 0, scale, x.gradBuffer().data, 0, g.numel()), x);
    }

    // ---------------------------------------------------------------- reductions

    /** Sum of all elements, as a one-element tensor of shape []. */
    public Tensor sum() {
        Tensor x = contiguous();
        Tensor out = output(false);
        out.data[0] = Elementwise.sum(x.data, x.offset, x.numel());
        return out.track("sum", g -> Elementwise.addScalar(g.data[0], x.gradBuffer().data, 0, x.numel()), x);
    }

    /** Mean of all elements, as a one-element tensor of shape []. */
    public Tensor mean() {
        return sum().mul(1f / numel());
    }

    /** Sums along {@code dim}; keeps it with size 1 when {@code keepDim}. */
    public Tensor sum(int dim, boolean keepDim) {
        int d = Shapes.axis(dim, shape.length);
        Tensor x = contiguous();
        int outer = Shapes.numel(Arrays.copyOfRange(shape, 0, d));
        int size = shape[d];
        int inner = Shapes.numel(Arrays.copyOfRange(shape, d + 1, shape.length));
        Tensor out = output(true, Shapes.reduced(shape, d, keepDim));
        for (int o = 0; o < outer; o++) {
            for (int s = 0; s < size; s++) {
                Elementwise.accumulate(x.data, x.offset + (o * size + s) * inner, out.data, o * inner, inner);
            }
        }
        return out.track("sum(dim)", g -> {
            float[] gx = x.gradBuffer().data;
            for (int o = 0; o < outer; o++) {
                for (int s = 0; s < size; s++) {
                    Elementwise.accumulate(g.data, o * inner, gx, (o * size + s) * inner, inner);
                }
            }
        }, x);
    }

    /** Mean along {@code dim}; keeps it with size 1 when {@code keepDim}. */
    public Tensor mean(int dim, boolean keepDim) {
        return sum(dim, keepDim).mul(1f / size(dim));
    }

    // ---------------------------------------------------------------- matrix multiply

    /**
     * Matrix product over the last two dimensions, broadcasting leading (batch) dimensions as {@code torch.matmul}
     * for the cases transformers use: [.., m, k]·[k, n], [.., m, k]·[.., k, n] with equal batch shapes, and
     * [m, k]·[.., k, n]. Transposed views (e.g. {@code w.transpose(0, 1)}) are read in place, without copies.
     */
    public Tensor matmul(Tensor other) {
        return MatMul.forward(this, other);
    }

}
