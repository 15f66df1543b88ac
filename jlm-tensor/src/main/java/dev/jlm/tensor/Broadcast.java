package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Elementwise;
import dev.jlm.tensor.kernels.Elementwise.Op;
import dev.jlm.tensor.kernels.Parallel;

import java.util.Arrays;

/** Element-wise binary ops with NumPy broadcasting, and the reduction of gradients back to broadcast shapes. */
final class Broadcast {
    private Broadcast() {
    }

    static Tensor binary(Tensor a, Tensor b, Op op) {
        int[] shape = Shapes.broadcast(a.shape, b.shape);
        Tensor out = Tensor.output(false, shape);
        apply(op, a, b, out);
        return out.track(op.name().toLowerCase(), g -> {
            switch (op) {
                case ADD -> {
                    reduceInto(g, a);
                    reduceInto(g, b);
                }
                case SUB -> {
                    reduceInto(g, a);
                    if (b.requiresGrad()) {
                        reduceInto(g.affineRaw(-1f), b);
                    }
                }
                case MUL -> {
                    if (a.requiresGrad()) {
                        reduceInto(raw(Op.MUL, g, b), a);
                    }
                    if (b.requiresGrad()) {
                        reduceInto(raw(Op.MUL, g, a), b);
                    }
                }
                case DIV -> {
                    if (a.requiresGrad()) {
                        reduceInto(raw(Op.DIV, g, b), a);
                    }
                    if (b.requiresGrad()) {
                        // d(a/b)/db = -a/b² = -(out)/b
                        reduceInto(raw(Op.DIV, raw(Op.MUL, g, out), b).affineRaw(-1f), b);
                    }
                }
            }
        }, a, b);
    }

    /** The op's values without autograd (used inside backward steps). */
    static Tensor raw(Op op, Tensor a, Tensor b) {
        Tensor out = Tensor.output(false, Shapes.broadcast(a.shape, b.shape));
        apply(op, a, b, out);
        return out;
    }

    /** out = a op b, with out contiguous of the broadcast shape. */
    private static void apply(Op op, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape;
        int n = out.numel();
        if (Arrays.equals(a.shape, b.shape) && a.isContiguous() && b.isContiguous()) {
            Parallel.forRange(n, 1, (start, end) ->
                    Elementwise.binary(op, a.data, a.offset + start, 1, b.data, b.offset + start, 1, out.data, start, end - start));
            return;
        }
        if (shape.length == 0) {
            out.data[0] = op.apply(a.data[a.offset], b.data[b.offset]);
            return;
        }
        int[] sa = Shapes.broadcastStrides(a.shape, a.strides, shape);
        int[] sb = Shapes.broadcastStrides(b.shape, b.strides, shape);
        int inner = shape[shape.length - 1];
        int stepA = sa[shape.length - 1];
        int stepB = sb[shape.length - 1];
        Shapes.forEachRow(shape, new int[][] {sa, sb, Shapes.contiguousStrides(shape)}, new int[] {a.offset, b.offset, 0},
                offsets -> Elementwise.binary(op, a.data, offsets[0], stepA, b.data, offsets[1], stepB, out.data, offsets[2], inner));
    }

    /**
     * Adds {@code g} (of the broadcast output's shape) into {@code target}'s gradient, summing over the dimensions
     * along which {@code target} was broadcast.
     */
    static void reduceInto(Tensor g, Tensor target) {
        if (!target.requiresGrad()) {
            return;
        }
        Tensor grad = target.gradBuffer();
        if (Arrays.equals(g.shape, target.shape)) {
            grad.addInPlaceFrom(g);
            return;
        }
        int[] shape = g.shape;
        int[] st = Shapes.broadcastStrides(target.shape, grad.strides, shape);
        int inner = shape[shape.length - 1];
        int step = st[shape.length - 1];
        int gStep = g.strides[shape.length - 1];
        Shapes.forEachRow(shape, new int[][] {g.strides, st}, new int[] {g.offset, grad.offset}, offsets -> {
            if (step == 1 && gStep == 1) {
                Elementwise.accumulate(g.data, offsets[0], grad.data, offsets[1], inner);
            } else if (step == 0 && gStep == 1) {
                grad.data[offsets[1]] += Elementwise.sum(g.data, offsets[0], inner);
            } else {
                for (int j = 0; j < inner; j++) {
                    grad.data[offsets[1] + j * step] += g.data[offsets[0] + j * gStep];
                }
            }
        });
    }
}
