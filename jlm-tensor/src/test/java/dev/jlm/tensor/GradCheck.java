package dev.jlm.tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.fail;

/**
 * Finite-difference gradient check. The op's output is reduced to a scalar with fixed random weights
 * (L = Σ w·f(x), accumulated in double), so every output element's gradient path is exercised; each input element is
 * perturbed by ±eps and the central difference is compared with autograd's gradient:
 * |analytic − numeric| ≤ atol + rtol·|numeric|.
 */
public final class GradCheck {
    public static final double EPS = 1e-2;
    public static final double ATOL = 2e-3;
    public static final double RTOL = 1e-2;

    private GradCheck() {
    }

    public static void check(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(name, EPS, ATOL, RTOL, f, inputs);
    }

    public static void check(String name, double eps, double atol, double rtol, Function<Tensor[], Tensor> f,
                             Tensor... inputs) {
        for (Tensor input : inputs) {
            input.requiresGrad(true).zeroGrad();
        }
        Tensor out = f.apply(inputs);
        float[] weights = Tensor.randn(new SplittableRandom(99), out.shape()).toArray();
        Tensor w = Tensor.of(weights, out.shape());
        out.mul(w).sum().backward();

        for (int which = 0; which < inputs.length; which++) {
            Tensor input = inputs[which];
            if (input.grad() == null) {
                fail(name + ": input " + which + " received no gradient");
            }
            float[] analytic = input.grad().toArray();
            float[] values = input.data();
            int n = input.numel();
            for (int i = 0; i < n; i++) {
                int pos = physical(input, i);
                float saved = values[pos];
                values[pos] = (float) (saved + eps);
                input.bumpVersion();
                double plus = weighted(f, inputs, weights);
                values[pos] = (float) (saved - eps);
                input.bumpVersion();
                double minus = weighted(f, inputs, weights);
                values[pos] = saved;
                input.bumpVersion();
                double numeric = (plus - minus) / (2 * eps);
                if (Math.abs(analytic[i] - numeric) > atol + rtol * Math.abs(numeric)) {
                    fail(String.format("%s: d/d input%d[%d] (shape %s): autograd %.6f vs finite difference %.6f",
                            name, which, i, Arrays.toString(input.shape()), analytic[i], numeric));
                }
            }
        }
    }

    private static double weighted(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] weights) {
        try (var off = GradMode.off()) {
            float[] out = f.apply(inputs).toArray();
            double total = 0;
            for (int i = 0; i < out.length; i++) {
                total += (double) out[i] * weights[i];
            }
            return total;
        }
    }

    /** Position in the backing array of the i-th element in logical (row-major) order. */
    private static int physical(Tensor t, int i) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        int pos = t.offset();
        for (int d = shape.length - 1; d >= 0; d--) {
            pos += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return pos;
    }
}
