package dev.jlm.tensor;

import dev.jlm.tensor.kernels.Activations;
import dev.jlm.tensor.kernels.Elementwise;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.Rows;
import dev.jlm.tensor.kernels.Sgemm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Neural-network functions in the manner of {@code torch.nn.functional}. Each op computes its output with a kernel
 * and records, right next to it, the backward step that adds into its inputs' gradients.
 */
public final class F {
    private F() {
    }

    // ---------------------------------------------------------------- lookups

    /**
     * Rows of {@code weight} [V, D] picked by {@code ids}, shaped {@code shape + [D]} (e.g. ids of a [B, T] batch give
     * [B, T, D]).
     */
    public static Tensor embedding(Tensor weight, int[] ids, int... shape) {
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding weight must be [vocab, dim], got " + Arrays.toString(weight.shape));
        }
        if (Shapes.numel(shape) != ids.length) {
            throw new IllegalArgumentException(ids.length + " ids do not fill shape " + Arrays.toString(shape));
        }
        Tensor w = weight.contiguous();
        int vocab = w.shape[0];
        int dim = w.shape[1];
        int[] outShape = Arrays.copyOf(shape, shape.length + 1);
        outShape[shape.length] = dim;
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + vocab);
            }
        }
        Tensor out = Tensor.output(false, outShape);
        Parallel.forRange(ids.length, dim, (s, e) -> {
            for (int i = s; i < e; i++) {
                System.arraycopy(w.data, w.offset + ids[i] * dim, out.data, i * dim, dim);
            }
        });
        return out.track("embedding", g -> {
            float[] gw = w.gradBuffer().data;
            for (int i = 0; i < ids.length; i++) {
                Elementwise.accumulate(g.data, i * dim, gw, ids[i] * dim, dim);
            }
        }, w);
    }

    // ---------------------------------------------------------------- linear maps

    /**
     * {@code x·Wᵀ + b} over the last dimension of {@code x} ([.., in] → [.., out]) for a weight stored [out, in] as
     * PyTorch's {@code F.linear}; {@code bias} ([out]) may be null.
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return MatMul.linear(x, weight, bias, null);
    }

    /**
     * {@code activation(x·Wᵀ + b)}. When no gradient is recorded the activation runs inside the matrix product, on
     * each output tile as it is written; otherwise it is the separate op (its backward needs the pre-activation).
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias, Activation activation) {
        boolean recorded = GradMode.enabled() && (x.requiresGrad() || weight.requiresGrad()
                || (bias != null && bias.requiresGrad()));
        return recorded ? activation.apply(linear(x, weight, bias)) : MatMul.linear(x, weight, bias, activation.kernel);
    }

    /** The element-wise activations of feed-forward layers, by Hugging Face's {@code ACT2FN} names. */
    public enum Activation {
        /** GELU with the exact normal CDF: {@code "gelu"}. */
        GELU((c, off, n) -> Activations.gelu(c, off, c, off, n)),
        /** GELU's tanh approximation: {@code "gelu_new"}. */
        GELU_TANH((c, off, n) -> Activations.geluTanh(c, off, c, off, n)),
        /** {@code "relu"}. */
        RELU((c, off, n) -> Activations.relu(c, off, c, off, n));

        private final Sgemm.Epilogue kernel;

        Activation(Sgemm.Epilogue kernel) {
            this.kernel = kernel;
        }

        /** The activation a config's {@code hidden_act} / {@code activation_function} names. */
        public static Activation named(String name) {
            return switch (name) {
                case "gelu" -> GELU;
                case "gelu_new" -> GELU_TANH;
                case "relu" -> RELU;
                default -> throw new IllegalArgumentException("activation '" + name + "' is not supported (gelu, gelu_new, relu)");
            };
        }

        public Tensor apply(Tensor x) {
            return switch (this) {
                case GELU -> gelu(x);
                case GELU_TANH -> geluTanh(x);
                case RELU -> relu(x);
            };
        }
    }

    // ---------------------------------------------------------------- activations

    /** GELU with the exact normal CDF (PyTorch's default, BERT's "gelu"). */
    public static Tensor gelu(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = in.numel();
        Parallel.forRange(n, 16, (s, e) -> Activations.gelu(in.data, in.offset + s, out.data, s, e - s));
        return out.track("gelu", g -> {
            float[] gx = in.gradBuffer().data;
            Parallel.forRange(n, 24, (s, e) -> Activations.geluBackward(in.data, in.offset + s, g.data, s, gx, s, e - s));
        }, in);
    }

    /** GELU with the tanh approximation (GPT-2's "gelu_new"). */
    public static Tensor geluTanh(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = in.numel();
        Parallel.forRange(n, 16, (s, e) -> Activations.geluTanh(in.data, in.offset + s, out.data, s, e - s));
        return out.track("gelu_tanh", g -> {
            float[] gx = in.gradBuffer().data;
            Parallel.forRange(n, 24, (s, e) -> Activations.geluTanhBackward(in.data, in.offset + s, g.data, s, gx, s, e - s));
        }, in);
    }

    public static Tensor relu(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = Math.max(0f, in.data[in.offset + i]);
        }
        return out.track("relu", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                if (out.data[i] > 0f) {
                    gx[i] += g.data[i];
                }
            }
        }, in);
    }

    public static Tensor tanh(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = (float) Math.tanh(in.data[in.offset + i]);
        }
        return out.track("tanh", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                gx[i] += g.data[i] * (1f - out.data[i] * out.data[i]);
            }
        }, in);
    }

    public static Tensor sigmoid(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = sigmoid(in.data[in.offset + i]);
        }
        return out.track("sigmoid", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                gx[i] += g.data[i] * out.data[i] * (1f - out.data[i]);
            }
        }, in);
    }

    private static float sigmoid(float v) {
        return v >= 0 ? 1f / (1f + (float) Math.exp(-v)) : (float) (Math.exp(v) / (1.0 + Math.exp(v)));
    }

    public static Tensor exp(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = (float) Math.exp(in.data[in.offset + i]);
        }
        return out.track("exp", g -> Elementwise.accumulateProduct(g.data, 0, out.data, 0, in.gradBuffer().data, 0, n), in);
    }

    public static Tensor log(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = (float) Math.log(in.data[in.offset + i]);
        }
        return out.track("log", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                gx[i] += g.data[i] / in.data[in.offset + i];
            }
        }, in);
    }

    public static Tensor sqrt(Tensor x) {
        Tensor in = x.contiguous();
        Tensor out = Tensor.output(false, in.shape.clone());
        int n = out.numel();
        for (int i = 0; i < n; i++) {
            out.data[i] = (float) Math.sqrt(in.data[in.offset + i]);
        }
        return out.track("sqrt", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                gx[i] += g.data[i] * 0.5f / out.data[i];
            }
        }, in);
    }

    /**
     * Inverted dropout: zeroes each element with probability {@code p} and scales the rest by 1/(1−p) when
     * {@code training}; the identity otherwise.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, SplittableRandom random) {
        if (!training || p == 0f) {
            return x;
        }
        if (p < 0f || p >= 1f) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        Tensor in = x.contiguous();
        int n = in.numel();
        Tensor keep = Tensor.output(false, in.shape.clone());
        Elementwise.dropoutMask(random, p, keep.data, 0, n);
        Tensor out = Tensor.output(false, in.shape.clone());
        Elementwise.binary(Elementwise.Op.MUL, in.data, in.offset, 1, keep.data, 0, 1, out.data, 0, n);
        return out.track("dropout", g -> Elementwise.accumulateProduct(g.data, 0, keep.data, 0, in.gradBuffer().data, 0, n), in);
    }

    // ---------------------------------------------------------------- row-wise normalizations

    /** Softmax along {@code dim}. */
    public static Tensor softmax(Tensor x, int dim) {
        return rowwise("softmax", x, dim, Rows::softmax, Rows::softmaxBackward);
    }

    /** Log-softmax along {@code dim}. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return rowwise("log_softmax", x, dim, Rows::logSoftmax, Rows::logSoftmaxBackward);
    }

    /** A kernel from one input row to one output row. */
    private interface RowForward {
        void apply(float[] x, int xOff, float[] y, int yOff, int n);
    }

    /** A kernel adding one row's input gradient from the output row and its gradient. */
    private interface RowBackward {
        void apply(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int n);
    }

    /** A normalization applied to every row along {@code dim} (moved last by a transposed view when needed). */
    private static Tensor rowwise(String name, Tensor x, int dim, RowForward forward, RowBackward backward) {
        int d = Shapes.axis(dim, x.dim());
        if (d != x.dim() - 1) {
            return rowwise(name, x.transpose(d, -1), -1, forward, backward).transpose(d, -1);
        }
        Tensor in = x.contiguous();
        int n = in.shape[d];
        int rows = in.numel() / Math.max(1, n);
        Tensor out = Tensor.output(false, in.shape.clone());
        Parallel.forRange(rows, 4L * n, (s, e) -> {
            for (int r = s; r < e; r++) {
                forward.apply(in.data, in.offset + r * n, out.data, r * n, n);
            }
        });
        return out.track(name, g -> {
            float[] gx = in.gradBuffer().data;
            Parallel.forRange(rows, 4L * n, (s, e) -> {
                for (int r = s; r < e; r++) {
                    backward.apply(out.data, r * n, g.data, r * n, gx, r * n, n);
                }
            });
        }, in);
    }

    /**
     * {@code layerNorm(x + residual)}: a post-norm block's residual connection and normalization. When no gradient
     * is recorded the sum is never stored: each row is added and normalized while it is in cache (ONNX Runtime's
     * SkipLayerNormalization); otherwise it is the two ops.
     */
    public static Tensor layerNorm(Tensor x, Tensor residual, Tensor weight, Tensor bias, float eps) {
        boolean recorded = GradMode.enabled() && (x.requiresGrad() || residual.requiresGrad()
                || (weight != null && weight.requiresGrad()) || (bias != null && bias.requiresGrad()));
        if (recorded || !Arrays.equals(x.shape, residual.shape)) {
            return layerNorm(x.add(residual), weight, bias, eps);
        }
        Tensor a = x.contiguous();
        Tensor r = residual.contiguous();
        int n = a.shape[a.dim() - 1];
        int rows = a.numel() / Math.max(1, n);
        if ((weight != null && weight.numel() != n) || (bias != null && bias.numel() != n)) {
            throw new IllegalArgumentException("layer norm over " + n + " features needs weight and bias of size " + n);
        }
        float[] wd = weight == null ? null : weight.toArray();
        float[] bd = bias == null ? null : bias.toArray();
        Tensor out = Tensor.output(false, a.shape.clone());
        Parallel.forRange(rows, 12L * n, (s, e) -> {
            float[] stats = new float[2];
            for (int row = s; row < e; row++) {
                Elementwise.binary(Elementwise.Op.ADD, a.data, a.offset + row * n, 1, r.data, r.offset + row * n, 1,
                        out.data, row * n, n);
                Rows.layerNorm(out.data, row * n, wd, bd, eps, out.data, row * n, n, stats, 0);
            }
        });
        return out;
    }

    /** Layer normalization over the last dimension; {@code weight} and {@code bias} ([D]) may be null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        Tensor in = x.contiguous();
        int n = in.shape[in.dim() - 1];
        int rows = in.numel() / Math.max(1, n);
        Tensor w = weight == null ? null : weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        if ((w != null && w.numel() != n) || (b != null && b.numel() != n)) {
            throw new IllegalArgumentException("layer norm over " + n + " features needs weight and bias of size " + n);
        }
        float[] wd = w == null ? null : w.toArray();
        float[] bd = b == null ? null : b.toArray();
        Tensor out = Tensor.output(false, in.shape.clone());
        Tensor stats = Tensor.output(false, rows, 2);
        Parallel.forRange(rows, 8L * n, (s, e) -> {
            for (int r = s; r < e; r++) {
                Rows.layerNorm(in.data, in.offset + r * n, wd, bd, eps, out.data, r * n, n, stats.data, 2 * r);
            }
        });
        Tensor[] inputs = w == null ? new Tensor[] {in} : b == null ? new Tensor[] {in, w} : new Tensor[] {in, w, b};
        return out.track("layer_norm", g -> {
            float[] gx = in.requiresGrad() ? in.gradBuffer().data : null;
            float[] gw = w != null && w.requiresGrad() ? w.gradBuffer().data : null;
            float[] gb = b != null && b.requiresGrad() ? b.gradBuffer().data : null;
            int chunks = Math.max(1, Math.min(Parallel.THREADS, rows));
            float[][] partialW = new float[chunks][];
            float[][] partialB = new float[chunks][];
            Parallel.forChunksIndexed(rows, chunks, (c, s, e) -> {
                // Each chunk sums its rows' weight and bias gradients privately; they are added in chunk order.
                partialW[c] = gw != null ? new float[n] : null;
                partialB[c] = gb != null ? new float[n] : null;
                for (int r = s; r < e; r++) {
                    Rows.layerNormBackward(in.data, in.offset + r * n, wd, stats.data[2 * r], stats.data[2 * r + 1],
                            g.data, r * n, gx, r * n, partialW[c], partialB[c], n);
                }
            });
            for (int c = 0; c < chunks; c++) {
                if (gw != null) {
                    Elementwise.accumulate(partialW[c], 0, gw, 0, n);
                }
                if (gb != null) {
                    Elementwise.accumulate(partialB[c], 0, gb, 0, n);
                }
            }
        }, inputs);
    }

    // ---------------------------------------------------------------- losses

    /**
     * Mean cross-entropy of {@code logits} [..., C] against class {@code targets} (one per row), skipping rows whose
     * target is {@code ignoreIndex}; a scalar. Fused: log-softmax is never materialized.
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        Tensor in = logits.contiguous();
        int classes = in.shape[in.dim() - 1];
        int rows = in.numel() / Math.max(1, classes);
        if (targets.length != rows) {
            throw new IllegalArgumentException(targets.length + " targets for " + rows + " rows of logits");
        }
        Tensor lse = Tensor.output(false, rows);
        int valid = 0;
        for (int target : targets) {
            if (target != ignoreIndex) {
                if (target < 0 || target >= classes) {
                    throw new IllegalArgumentException("target " + target + " is outside [0, " + classes + ")");
                }
                valid++;
            }
        }
        double[] partial = new double[rows];
        Parallel.forRange(rows, 3L * classes, (s, e) -> {
            for (int r = s; r < e; r++) {
                if (targets[r] == ignoreIndex) {
                    continue;
                }
                lse.data[r] = Rows.logSumExp(in.data, in.offset + r * classes, classes);
                partial[r] = lse.data[r] - in.data[in.offset + r * classes + targets[r]];
            }
        });
        double total = 0;
        for (double v : partial) {
            total += v;
        }
        Tensor out = Tensor.output(false);
        int count = valid;
        out.data[0] = count == 0 ? Float.NaN : (float) (total / count);
        return out.track("cross_entropy", g -> {
            float scale = g.data[0] / count;
            float[] gx = in.gradBuffer().data;
            Parallel.forRange(rows, 3L * classes, (s, e) -> {
                for (int r = s; r < e; r++) {
                    if (targets[r] == ignoreIndex) {
                        continue;
                    }
                    int row = in.offset + r * classes;
                    // d/dx = (softmax(x) − onehot(target)) · g / count
                    for (int c = 0; c < classes; c++) {
                        gx[r * classes + c] += scale * (float) Math.exp(in.data[row + c] - lse.data[r]);
                    }
                    gx[r * classes + targets[r]] -= scale;
                }
            });
        }, in);
    }

    /** Mean binary cross-entropy of {@code logits} against 0/1 (or soft) {@code targets} of the same shape. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
        if (!Arrays.equals(logits.shape, targets.shape)) {
            throw new IllegalArgumentException("logits " + Arrays.toString(logits.shape) + " and targets "
                    + Arrays.toString(targets.shape) + " differ in shape");
        }
        Tensor x = logits.contiguous();
        float[] y = targets.toArray();
        int n = x.numel();
        double total = 0;
        for (int i = 0; i < n; i++) {
            float v = x.data[x.offset + i];
            // max(v, 0) − v·y + log(1 + e^−|v|): no overflow for large |v|.
            total += Math.max(v, 0f) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v)));
        }
        Tensor out = Tensor.output(false);
        out.data[0] = (float) (total / n);
        return out.track("bce_with_logits", g -> {
            float scale = g.data[0] / n;
            float[] gx = x.gradBuffer().data;
            for (int i = 0; i < n; i++) {
                gx[i] += scale * (sigmoid(x.data[x.offset + i]) - y[i]);
            }
        }, x);
    }

    // ---------------------------------------------------------------- reductions with indices

    /** Maximum along {@code dim}; the gradient flows to the (first) position of each maximum. */
    public static Tensor max(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.axis(dim, x.dim());
        Tensor in = x.contiguous();
        int size = in.shape[d];
        int inner = Shapes.numel(Arrays.copyOfRange(in.shape, d + 1, in.dim()));
        int outer = in.numel() / Math.max(1, size * inner);
        int[] where = argmaxIndices(in, outer, size, inner);
        Tensor out = Tensor.output(false, Shapes.reduced(in.shape, d, keepDim));
        for (int i = 0; i < where.length; i++) {
            out.data[i] = in.data[in.offset + where[i]];
        }
        return out.track("max", g -> {
            float[] gx = in.gradBuffer().data;
            for (int i = 0; i < where.length; i++) {
                gx[where[i]] += g.data[i];
            }
        }, in);
    }

    /** Index of the maximum along {@code dim}, for every position of the other dimensions (row-major). */
    public static int[] argmax(Tensor x, int dim) {
        int d = Shapes.axis(dim, x.dim());
        Tensor in = x.contiguous();
        int size = in.shape[d];
        int inner = Shapes.numel(Arrays.copyOfRange(in.shape, d + 1, in.dim()));
        int outer = in.numel() / Math.max(1, size * inner);
        int[] where = argmaxIndices(in, outer, size, inner);
        int[] index = new int[where.length];
        for (int i = 0; i < where.length; i++) {
            index[i] = where[i] / inner % size;
        }
        return index;
    }

    /** Flat positions (relative to the tensor's offset) of the maxima along the middle of [outer, size, inner]. */
    private static int[] argmaxIndices(Tensor in, int outer, int size, int inner) {
        int[] where = new int[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = o * size * inner + i;
                for (int s = 1; s < size; s++) {
                    int pos = (o * size + s) * inner + i;
                    if (in.data[in.offset + pos] > in.data[in.offset + best]) {
                        best = pos;
                    }
                }
                where[o * inner + i] = best;
            }
        }
        return where;
    }

    // ---------------------------------------------------------------- joining and splitting

    /** Joins tensors along {@code dim}; all other dimensions must agree. */
    public static Tensor concat(List<Tensor> parts, int dim) {
        Tensor first = parts.get(0);
        int d = Shapes.axis(dim, first.dim());
        int[] shape = first.shape.clone();
        shape[d] = 0;
        for (Tensor part : parts) {
            int[] expected = part.shape.clone();
            expected[d] = first.shape[d];
            if (part.dim() != first.dim() || !Arrays.equals(expected, first.shape)) {
                throw new IllegalArgumentException("concat along " + d + ": shapes " + Arrays.toString(first.shape) + " and "
                        + Arrays.toString(part.shape) + " differ elsewhere");
            }
            shape[d] += part.shape[d];
        }
        Tensor out = Tensor.output(false, shape);
        int at = 0;
        for (Tensor part : parts) {
            Tensor window = new Tensor(out.data, at * out.strides[d], part.shape, out.strides);
            window.copyFrom(part);
            at += part.shape[d];
        }
        Tensor[] inputs = parts.toArray(new Tensor[0]);
        return out.track("concat", g -> {
            int start = 0;
            for (Tensor part : inputs) {
                if (part.requiresGrad()) {
                    part.gradBuffer().addInPlaceFrom(new Tensor(g.data, start * g.strides[d], part.shape, g.strides));
                }
                start += part.shape[d];
            }
        }, inputs);
    }

    /** Views of consecutive pieces of the given sizes along {@code dim}. */
    public static List<Tensor> split(Tensor x, int[] sizes, int dim) {
        int d = Shapes.axis(dim, x.dim());
        if (Arrays.stream(sizes).sum() != x.shape[d]) {
            throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " do not add up to " + x.shape[d]);
        }
        List<Tensor> pieces = new ArrayList<>();
        int start = 0;
        for (int size : sizes) {
            pieces.add(x.slice(d, start, start + size));
            start += size;
        }
        return pieces;
    }

    // ---------------------------------------------------------------- masks

    /** The value masks use for "never attend": finite, so that adding it to scores cannot make NaNs. */
    public static final float MASKED = -Float.MAX_VALUE;

    /** Additive causal mask [T, T]: 0 where key j ≤ query i, {@link #MASKED} above the diagonal. */
    public static Tensor causalMask(int t) {
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) {
            Arrays.fill(mask, i * t + i + 1, (i + 1) * t, MASKED);
        }
        return Tensor.of(mask, t, t);
    }

    /**
     * Additive padding mask [B, 1, 1, T] from an attention mask (1 = token, 0 = padding), ready to broadcast over
     * heads and queries.
     */
    public static Tensor paddingMask(int[] attentionMask, int batch, int t) {
        if (attentionMask.length != batch * t) {
            throw new IllegalArgumentException("attention mask has " + attentionMask.length + " entries, expected " + batch * t);
        }
        float[] mask = new float[batch * t];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = attentionMask[i] == 0 ? MASKED : 0f;
        }
        return Tensor.of(mask, batch, 1, 1, t);
    }

    /** {@code x} with {@code value} wherever {@code mask} (broadcast to x's shape) is non-zero. */
    public static Tensor maskedFill(Tensor x, Tensor mask, float value) {
        Tensor in = x.contiguous();
        int[] ms = Shapes.broadcastStrides(mask.shape, mask.strides, in.shape);
        Tensor out = Tensor.output(false, in.shape.clone());
        float[] keep = new float[in.numel()];
        Shapes.forEachIndexPair(in.shape, Shapes.contiguousStrides(in.shape), 0, ms, mask.offset, (i, m) -> {
            boolean masked = mask.data[m] != 0f;
            out.data[i] = masked ? value : in.data[in.offset + i];
            keep[i] = masked ? 0f : 1f;
        });
        return out.track("masked_fill", g -> Elementwise.accumulateProduct(g.data, 0, keep, 0, in.gradBuffer().data, 0, keep.length), in);
    }
}
