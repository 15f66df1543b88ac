package dev.jlm.tensor;

import java.util.Arrays;

/** Shape and stride arithmetic shared by the op families. */
public final class Shapes {
    private Shapes() {
    }

    public static int numel(int[] shape) {
        long n = 1;
        for (int size : shape) {
            if (size < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= size;
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31 elements");
        }
        return (int) n;
    }

    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    /** Resolves a possibly negative axis against {@code rank}. */
    public static int axis(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException("dimension " + dim + " out of range for rank " + rank);
        }
        return d;
    }

    public static boolean isContiguous(int[] shape, int[] strides) {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** The shape with {@code d} removed, or set to 1 when {@code keepDim}. */
    public static int[] reduced(int[] shape, int d, boolean keepDim) {
        if (keepDim) {
            int[] out = shape.clone();
            out[d] = 1;
            return out;
        }
        int[] out = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                out[j++] = shape[i];
            }
        }
        return out;
    }

    /** Resolves one -1 entry so the shape holds {@code numel} elements. */
    public static int[] inferReshape(int[] shape, int numel) {
        int[] out = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int d = 0; d < out.length; d++) {
            if (out[d] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException("reshape " + Arrays.toString(shape) + ": only one dimension may be -1");
                }
                unknown = d;
            } else {
                known *= out[d];
            }
        }
        if (unknown >= 0 && known > 0 && numel % known == 0) {
            out[unknown] = (int) (numel / known);
        }
        if (numel(out) != numel) {
            throw new IllegalArgumentException("cannot reshape " + numel + " elements into " + Arrays.toString(shape));
        }
        return out;
    }

    /** The broadcast of two shapes (NumPy rules), or an error naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of {@code shape}/{@code strides} broadcast to {@code target} (0 on broadcast dims). */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int shift = target.length - shape.length;
        for (int d = shift; d < target.length; d++) {
            out[d] = shape[d - shift] == 1 ? 0 : strides[d - shift];
        }
        return out;
    }

    /** Visits every row (all dimensions but the last) of {@code shape}: offsets of each operand's row start. */
    @FunctionalInterface
    public interface RowVisitor {
        void row(int[] offsets);
    }

    /**
     * Calls {@code visitor} once per row of {@code shape} with the row's starting offset in each operand, where
     * operand {@code i} has strides {@code strides[i]} and base offset {@code bases[i]}.
     */
    public static void forEachRow(int[] shape, int[][] strides, int[] bases, RowVisitor visitor) {
        int rank = shape.length;
        int rows = rank == 0 ? 1 : numel(shape) / Math.max(1, shape[rank - 1]);
        if (rank > 0 && shape[rank - 1] == 0) {
            return;
        }
        int operands = bases.length;
        int[] offsets = bases.clone();
        int[] counter = new int[Math.max(0, rank - 1)];
        for (int r = 0; r < rows; r++) {
            visitor.row(offsets);
            for (int d = rank - 2; d >= 0; d--) {
                counter[d]++;
                for (int i = 0; i < operands; i++) {
                    offsets[i] += strides[i][d];
                }
                if (counter[d] < shape[d]) {
                    break;
                }
                for (int i = 0; i < operands; i++) {
                    offsets[i] -= strides[i][d] * shape[d];
                }
                counter[d] = 0;
            }
        }
    }

    /** Copies a strided tensor into a contiguous destination. */
    public static void copyStrided(float[] src, int srcOffset, int[] shape, int[] strides, float[] dst, int dstOffset) {
        if (shape.length == 0) {
            dst[dstOffset] = src[srcOffset];
            return;
        }
        int inner = shape[shape.length - 1];
        int innerStride = strides[shape.length - 1];
        int[] dstStrides = contiguousStrides(shape);
        forEachRow(shape, new int[][] {strides, dstStrides}, new int[] {srcOffset, dstOffset}, offsets -> {
            if (innerStride == 1) {
                System.arraycopy(src, offsets[0], dst, offsets[1], inner);
            } else {
                for (int j = 0, s = offsets[0]; j < inner; j++, s += innerStride) {
                    dst[offsets[1] + j] = src[s];
                }
            }
        });
    }

    /** Visits matching flat positions of two layouts of the same shape. */
    @FunctionalInterface
    public interface PairVisitor {
        void visit(int first, int second);
    }

    public static void forEachIndexPair(int[] shape, int[] stridesA, int offsetA, int[] stridesB, int offsetB,
                                        PairVisitor visitor) {
        if (shape.length == 0) {
            visitor.visit(offsetA, offsetB);
            return;
        }
        int inner = shape[shape.length - 1];
        int sa = stridesA[shape.length - 1];
        int sb = stridesB[shape.length - 1];
        forEachRow(shape, new int[][] {stridesA, stridesB}, new int[] {offsetA, offsetB}, offsets -> {
            for (int j = 0; j < inner; j++) {
                visitor.visit(offsets[0] + j * sa, offsets[1] + j * sb);
            }
        });
    }
}
