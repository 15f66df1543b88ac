package dev.jlm.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TensorTest {

    private static Tensor rand(long seed, int... shape) {
        return Tensor.randn(seed, shape);
    }

    @Test
    void viewsShareStorageAndIndexLogically() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor t = x.transpose(0, 1);
        assertThat(t.shape()).containsExactly(3, 2);
        assertThat(t.get(2, 1)).isEqualTo(6f);
        assertThat(t.toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(x.slice(1, 1, 3).toArray()).containsExactly(2, 3, 5, 6);
        assertThat(x.reshape(3, -1).shape()).containsExactly(3, 2);
        assertThat(t.contiguous().reshape(6).toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        x.set(10f, 0, 0);
        assertThat(t.get(0, 0)).isEqualTo(10f);
    }

    @Test
    void inPlaceWritesBumpOneVersionSharedByEveryView() {
        Tensor x = Tensor.zeros(4, 6);
        Tensor view = x.slice(0, 1, 3).transpose(0, 1);
        int start = x.version();
        x.set(1f, 0, 0);
        view.assign(Tensor.ones(6, 2));
        x.detach().reshape(24).bumpVersion();
        assertThat(x.version()).isEqualTo(start + 3);
        assertThat(view.version()).isEqualTo(x.version());
        assertThat(x.copy().version()).as("a copy has storage of its own").isZero();
        assertThat(x.add(1f).version()).isZero();
    }

    @Test
    void noGradLinearFollowsEveryChangeToItsWeight() {
        // Without a recorded gradient the weight is packed once and reused while its version is current.
        Tensor x = rand(30, 5, 40);
        Tensor w = rand(31, 70, 40);
        Tensor b = rand(32, 70);
        try (var off = GradMode.off()) {
            assertThat(F.linear(x, w, b).toArray()).containsExactly(x.matmul(w.transpose(0, 1)).add(b).toArray(), within(1e-5f));
            w.assign(rand(33, 70, 40));
            assertThat(F.linear(x, w, b).toArray()).as("after assign")
                    .containsExactly(x.matmul(w.transpose(0, 1)).add(b).toArray(), within(1e-5f));
            w.set(5f, 69, 39);
            assertThat(F.linear(x, w, b).toArray()).as("after set")
                    .containsExactly(x.matmul(w.transpose(0, 1)).add(b).toArray(), within(1e-5f));
            w.data()[0] = -7f;
            w.bumpVersion();
            assertThat(F.linear(x, w, b).toArray()).as("after a write through data()")
                    .containsExactly(x.matmul(w.transpose(0, 1)).add(b).toArray(), within(1e-5f));
        }
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor row = Tensor.of(new float[] {10, 20, 30}, 3);
        Tensor col = Tensor.of(new float[] {100, 200}, 2, 1);
        assertThat(a.add(row).toArray()).containsExactly(11, 22, 33, 14, 25, 36);
        assertThat(a.mul(col).toArray()).containsExactly(100, 200, 300, 800, 1000, 1200);
        assertThat(a.sub(row).div(col).toArray()[5]).isCloseTo(-24f / 200f, within(1e-7f));
        assertThatThrownBy(() -> a.add(Tensor.zeros(2))).hasMessageContaining("do not broadcast");
    }

    @Test
    void reductions() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(a.sum().item()).isEqualTo(21f);
        assertThat(a.sum(0, false).toArray()).containsExactly(5, 7, 9);
        assertThat(a.mean(1, true).shape()).containsExactly(2, 1);
        assertThat(a.mean(1, true).toArray()).containsExactly(2, 5);
    }

    @Test
    void matmulMatchesNaiveProductForEveryLayout() {
        Tensor a = rand(1, 5, 7);
        Tensor b = rand(2, 7, 3);
        float[] expected = naive(a.toArray(), b.toArray(), 5, 7, 3);
        assertThat(a.matmul(b).toArray()).containsExactly(expected, within(1e-5f));
        Tensor at = a.transpose(0, 1).contiguous().transpose(0, 1);
        Tensor bt = b.transpose(0, 1).contiguous().transpose(0, 1);
        assertThat(at.matmul(bt).toArray()).containsExactly(expected, within(1e-5f));
        Tensor batched = rand(3, 2, 4, 5, 7);
        float[] out = batched.matmul(b).toArray();
        float[] first = naive(batched.slice(0, 1, 2).slice(1, 3, 4).contiguous().toArray(), b.toArray(), 5, 7, 3);
        assertThat(java.util.Arrays.copyOfRange(out, 7 * 15, 8 * 15)).containsExactly(first, within(1e-5f));
    }

    private static float[] naive(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = (float) s;
            }
        }
        return c;
    }

    @Test
    void gradientsOfArithmeticWithBroadcasting() {
        GradCheck.check("add", x -> x[0].add(x[1]), rand(1, 3, 4), rand(2, 4));
        GradCheck.check("sub", x -> x[0].sub(x[1]), rand(3, 2, 1, 4), rand(4, 3, 1));
        GradCheck.check("mul", x -> x[0].mul(x[1]), rand(5, 3, 4), rand(6, 3, 1));
        GradCheck.check("div", x -> x[0].div(x[1].mul(x[1]).add(1f)), rand(7, 3, 4), rand(8, 4));
        GradCheck.check("affine", x -> x[0].affine(-2f, 0.5f).neg(), rand(9, 5));
        GradCheck.check("same tensor twice", x -> x[0].mul(x[0]), rand(10, 6));
    }

    @Test
    void gradientsOfReductionsAndViews() {
        GradCheck.check("sum", x -> x[0].sum(), rand(1, 3, 4));
        GradCheck.check("mean(dim)", x -> x[0].mean(1, false), rand(2, 3, 4, 2));
        GradCheck.check("sum(dim keep)", x -> x[0].sum(0, true), rand(3, 3, 4));
        GradCheck.check("transpose", x -> x[0].transpose(0, 1).mul(x[1]), rand(4, 3, 4), rand(5, 4, 3));
        GradCheck.check("permute+reshape", x -> x[0].permute(2, 0, 1).reshape(4, 6), rand(6, 2, 3, 4));
        GradCheck.check("slice", x -> x[0].slice(1, 1, 3), rand(7, 3, 4));
        GradCheck.check("select", x -> x[0].select(1, 2).mul(x[0].select(0, 1).slice(0, 0, 3)), rand(9, 3, 4));
        GradCheck.check("unsqueeze", x -> x[0].unsqueeze(0).add(x[0].unsqueeze(1)), rand(8, 3));
    }

    @Test
    void gradientsOfBatchedAndTransposedMatmul() {
        GradCheck.check("matmul", x -> x[0].matmul(x[1]), rand(1, 4, 5), rand(2, 5, 3));
        GradCheck.check("matmul Bt", x -> x[0].matmul(x[1].transpose(0, 1)), rand(3, 4, 5), rand(4, 3, 5));
        GradCheck.check("matmul At", x -> x[0].transpose(0, 1).matmul(x[1]), rand(5, 5, 4), rand(6, 5, 3));
        GradCheck.check("linear 3d", x -> x[0].matmul(x[1]), rand(7, 2, 3, 5), rand(8, 5, 4));
        GradCheck.check("batched", x -> x[0].matmul(x[1]), rand(9, 2, 3, 4, 5), rand(10, 2, 3, 5, 2));
        GradCheck.check("batched Bt (attention scores)",
                x -> x[0].matmul(x[1].transpose(-2, -1)), rand(11, 2, 3, 4, 5), rand(12, 2, 3, 4, 5));
        GradCheck.check("shared A", x -> x[0].matmul(x[1]), rand(13, 3, 4), rand(14, 2, 4, 5));
        GradCheck.check("permuted heads",
                x -> x[0].reshape(2, 4, 3, 2).permute(0, 2, 1, 3).matmul(x[1]), rand(15, 2, 4, 6), rand(16, 2, 3));
    }

    @Test
    void noGradScopeRecordsNothingAndDetachCuts() {
        Tensor w = rand(1, 3).requiresGrad(true);
        try (var off = GradMode.off()) {
            assertThat(w.mul(2f).requiresGrad()).isFalse();
        }
        Tensor y = w.detach().mul(w).sum();
        y.backward();
        assertThat(w.grad().toArray()).containsExactly(w.toArray());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        w.mul(3f).sum().backward();
        w.mul(3f).sum().backward();
        assertThat(w.grad().toArray()).containsExactly(6f, 6f);
    }

    @Test
    void steadyStateStepsReuseScopedStorage() {
        Tensor w = rand(1, 64, 64).requiresGrad(true);
        Tensor x = rand(2, 8, 64);
        for (int step = 0; step < 3; step++) {
            long before = Memory.freshScopedBytes();
            try (var scope = Memory.scope()) {
                x.matmul(w).mul(x.matmul(w)).mean().backward();
            }
            if (step > 0) {
                assertThat(Memory.freshScopedBytes() - before).as("fresh bytes in step " + step).isZero();
            }
        }
        assertThat(w.grad().numel()).isEqualTo(64 * 64);
    }
}
