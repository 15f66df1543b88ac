package dev.jlm.tensor.nn;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.DType;
import dev.jlm.tensor.kernels.QuantizedGemm;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;

import java.util.Arrays;

/**
 * A weight matrix [out, in] held compact for inference: int8 symmetric per output channel (q = round(w / s),
 * s = max|w_row| / 127), bf16 or fp16. Products read the compact values directly ({@link QuantizedGemm}).
 */
public final class QuantizedWeight {
    private final Format format;
    private final int rows;
    private final int cols;
    private final byte[] int8;
    private final short[] halves;
    private final float[] scales;

    private QuantizedWeight(Format format, int rows, int cols, byte[] int8, short[] halves, float[] scales) {
        this.format = format;
        this.rows = rows;
        this.cols = cols;
        this.int8 = int8;
        this.halves = halves;
        this.scales = scales;
    }

    /** int8 values [rows, cols] row-major with one scale per row. */
    public static QuantizedWeight int8(int rows, int cols, byte[] values, float[] scales) {
        if (values.length != (long) rows * cols || scales.length != rows) {
            throw new IllegalArgumentException("int8 weight [" + rows + ", " + cols + "] needs " + (long) rows * cols
                    + " values and " + rows + " scales, got " + values.length + " and " + scales.length);
        }
        return new QuantizedWeight(Format.INT8, rows, cols, values, null, scales);
    }

    /** bf16 or fp16 bit patterns [rows, cols] row-major. */
    public static QuantizedWeight halves(Format format, int rows, int cols, short[] bits) {
        if (format == Format.INT8 || bits.length != (long) rows * cols) {
            throw new IllegalArgumentException(format + " weight [" + rows + ", " + cols + "] from " + bits.length + " 16-bit values");
        }
        return new QuantizedWeight(format, rows, cols, null, bits, null);
    }

    /** Quantizes a float matrix [out, in] (any layout). */
    public static QuantizedWeight quantize(Tensor weight, Format format) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("a quantized weight is a matrix, got shape " + Arrays.toString(weight.shape()));
        }
        int rows = weight.size(0);
        int cols = weight.size(1);
        float[] w = weight.contiguous().toArray();
        if (format != Format.INT8) {
            short[] bits = new short[w.length];
            for (int i = 0; i < w.length; i++) {
                bits[i] = format == Format.BF16 ? DType.toBf16(w[i]) : Float.floatToFloat16(w[i]);
            }
            return halves(format, rows, cols, bits);
        }
        byte[] q = new byte[w.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(w[r * cols + c]));
            }
            // An all-zero row keeps scale 0: every q is 0 and dequantizes to 0 exactly.
            scales[r] = max / 127f;
            float inverse = max == 0 ? 0 : 127f / max;
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = (byte) Math.max(-127, Math.min(127, Math.round(w[r * cols + c] * inverse)));
            }
        }
        return int8(rows, cols, q, scales);
    }

    public Format format() {
        return format;
    }

    /** Output channels. */
    public int rows() {
        return rows;
    }

    /** Input features. */
    public int cols() {
        return cols;
    }

    /** Throws unless this weight can stand for a {@code layer}'s [out, in] weight. */
    public void requireShape(int outFeatures, int inFeatures, String layer) {
        if (rows != outFeatures || cols != inFeatures) {
            throw new IllegalArgumentException("quantized weight [" + rows + ", " + cols + "] does not match the " + layer
                    + "'s [out, in] = [" + outFeatures + ", " + inFeatures + "]");
        }
    }

    /** The int8 values row-major (INT8 only; the array itself). */
    public byte[] int8Values() {
        return int8;
    }

    /** The per-row scales (INT8 only; the array itself). */
    public float[] scales() {
        return scales;
    }

    /** The 16-bit patterns row-major (BF16 / FP16 only; the array itself). */
    public short[] halfBits() {
        return halves;
    }

    /** Bytes the compact weight occupies. */
    public long bytes() {
        return format == Format.INT8 ? int8.length + 4L * scales.length : 2L * halves.length;
    }

    /** The float matrix [out, in] these values stand for (a full copy: for references and export, not inference). */
    public Tensor dequantize() {
        float[] out = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            QuantizedGemm.dequantizeRow(format, r, cols, int8, halves, scales, out, r * cols);
        }
        return Tensor.of(out, rows, cols);
    }

    /** A row-major [rows, cols] int8 matrix as [cols, rows] (checkpoints that store a weight [in, out]). */
    public static byte[] transpose(byte[] values, int rows, int cols) {
        byte[] out = new byte[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }

    /** A row-major [rows, cols] matrix of 16-bit values as [cols, rows]. */
    public static short[] transpose(short[] values, int rows, int cols) {
        short[] out = new short[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }

    /** Rows {@code ids} dequantized, shaped {@code shape + [cols]}: an embedding lookup. Inference only. */
    public Tensor rows(int[] ids, int... shape) {
        checkInference();
        int[] outShape = Arrays.copyOf(shape, shape.length + 1);
        outShape[shape.length] = cols;
        Tensor out = Tensor.empty(outShape);
        if (out.numel() != (long) ids.length * cols) {
            throw new IllegalArgumentException(ids.length + " ids do not fill shape " + Arrays.toString(shape));
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException("id " + ids[i] + " outside a table of " + rows + " rows");
            }
            QuantizedGemm.dequantizeRow(format, ids[i], cols, int8, halves, scales, out.data(), out.offset() + i * cols);
        }
        return out;
    }

    private void checkInference() {
        if (GradMode.enabled()) {
            throw new IllegalStateException("a " + format + " weight is for inference only (run under GradMode.off()); "
                    + "training on a quantized base is not supported");
        }
    }

    /** x [..., in] · Wᵀ → [..., out]. Inference only: there is no backward through a quantized weight. */
    public Tensor multiplyTransposed(Tensor x) {
        checkInference();
        int[] shape = x.shape();
        if (shape[shape.length - 1] != cols) {
            throw new IllegalArgumentException("input of shape " + Arrays.toString(shape) + " does not match a quantized weight of "
                    + cols + " input features");
        }
        Tensor input = x.contiguous();
        int m = input.numel() / cols;
        shape[shape.length - 1] = rows;
        Tensor y = Tensor.empty(shape);
        QuantizedGemm.multiply(format, m, rows, cols, input.data(), input.offset(), int8, halves, scales, y.data(), y.offset());
        return y;
    }
}
