package dev.jlm.tensor.optim;

import dev.jlm.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OptimizerTest {

    /** AdamW's update rule in double precision, step by step (torch.optim.AdamW's documented algorithm). */
    private static void referenceAdamW(double[] p, double[][] grads, double lr, double b1, double b2, double eps, double wd) {
        double[] m = new double[p.length];
        double[] v = new double[p.length];
        for (int t = 1; t <= grads.length; t++) {
            double[] g = grads[t - 1];
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.pow(b1, t));
                double vHat = v[i] / (1 - Math.pow(b2, t));
                p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
    }

    @Test
    void adamWFollowsItsUpdateRuleWithParameterGroups() {
        int n = 37;
        Tensor w = Tensor.randn(1, n).requiresGrad(true);
        Tensor b = Tensor.randn(2, 5).requiresGrad(true);
        double[] pw = toDouble(w.toArray());
        double[] pb = toDouble(b.toArray());
        AdamW opt = new AdamW(List.of(new ParamGroup(List.of("w"), List.of(w), 0.1f),
                new ParamGroup(List.of("b"), List.of(b), 0f)), 1e-2f, 0.9f, 0.95f, 1e-8f);
        double[][] gw = new double[4][];
        double[][] gb = new double[4][];
        for (int step = 0; step < 4; step++) {
            Tensor tw = Tensor.randn(10 + step, n);
            Tensor tb = Tensor.randn(20 + step, 5);
            gw[step] = toDouble(tw.toArray());
            gb[step] = toDouble(tb.toArray());
            opt.zeroGrad();
            w.mul(tw).sum().add(b.mul(tb).sum()).backward();
            opt.step();
        }
        referenceAdamW(pw, gw, 1e-2, 0.9, 0.95, 1e-8, 0.1);
        referenceAdamW(pb, gb, 1e-2, 0.9, 0.95, 1e-8, 0.0);
        assertClose(w.toArray(), pw);
        assertClose(b.toArray(), pb);
        assertThat(opt.stepCount()).isEqualTo(4);
    }

    @Test
    void adamWStateRoundTripsForExactResume() {
        Tensor a = Tensor.randn(1, 20).requiresGrad(true);
        Tensor b = a.copy().requiresGrad(true);
        AdamW first = new AdamW(List.of(new ParamGroup(List.of("a"), List.of(a), 0.1f)), 1e-2f, 0.9f, 0.99f, 1e-8f);
        AdamW second = new AdamW(List.of(new ParamGroup(List.of("a"), List.of(b), 0.1f)), 1e-2f, 0.9f, 0.99f, 1e-8f);
        for (int step = 0; step < 3; step++) {
            Tensor g = Tensor.randn(step, 20);
            first.zeroGrad();
            a.mul(g).sum().backward();
            first.step();
            if (step == 1) {
                System.arraycopy(a.toArray(), 0, b.data(), 0, 20);
                second.loadState(first.state());
            }
            if (step == 2) {
                second.zeroGrad();
                b.mul(g).sum().backward();
                second.step();
            }
        }
        assertThat(b.toArray()).containsExactly(a.toArray());
    }

    @Test
    void sgdWithMomentumMatchesTorchRule() {
        Tensor w = Tensor.of(new float[] {1f, -2f}, 2).requiresGrad(true);
        SGD opt = new SGD(List.of(new ParamGroup(List.of("w"), List.of(w), 0f)), 0.1f, 0.9f, false);
        double[] p = {1, -2};
        double[] buf = new double[2];
        for (int step = 0; step < 3; step++) {
            opt.zeroGrad();
            w.mul(w).sum().backward(); // g = 2w
            opt.step();
            for (int i = 0; i < 2; i++) {
                double g = 2 * p[i];
                buf[i] = step == 0 ? g : 0.9 * buf[i] + g;
                p[i] -= 0.1 * buf[i];
            }
        }
        assertClose(w.toArray(), p);
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        Tensor a = Tensor.zeros(2).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true);
        a.mul(Tensor.of(new float[] {3f, 0f}, 2)).sum().add(b.mul(Tensor.of(new float[] {4f}, 1)).sum()).backward();
        float norm = GradClip.clipGradNorm(List.of(a, b), 1f);
        assertThat(norm).isEqualTo(5f);
        assertThat(a.grad().toArray()[0]).isCloseTo(0.6f, within(1e-6f));
        assertThat(b.grad().toArray()[0]).isCloseTo(0.8f, within(1e-6f));
        assertThat(GradClip.clipGradNorm(List.of(a, b), 10f)).isCloseTo(1f, within(1e-6f));
    }

    @Test
    void schedulesAtTheirLandmarks() {
        LrSchedule cosine = LrSchedule.warmupCosine(1e-3f, 1e-4f, 100, 2000);
        assertThat(cosine.at(0)).isCloseTo(1e-3f / 101, within(1e-9f));
        assertThat(cosine.at(100)).isCloseTo(1e-3f, within(1e-9f));
        assertThat(cosine.at(1050)).isCloseTo(5.5e-4f, within(1e-8f));
        assertThat(cosine.at(2000)).isCloseTo(1e-4f, within(1e-9f));
        assertThat(cosine.at(5000)).isEqualTo(1e-4f);
        LrSchedule linear = LrSchedule.warmupLinear(3e-5f, 10, 110);
        assertThat(linear.at(5)).isCloseTo(1.5e-5f, within(1e-10f));
        assertThat(linear.at(60)).isCloseTo(1.5e-5f, within(1e-10f));
        assertThat(linear.at(110)).isZero();
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static void assertClose(float[] actual, double[] expected) {
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(2e-6 * (1 + Math.abs(expected[i]))));
        }
    }
}
