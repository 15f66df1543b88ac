package dev.jlm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.Sgemm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code ./jlm bench matmul}: fp32 GFLOP/s of jlm's sgemm against numpy (OpenBLAS) on the same shapes, same run. */
@Command(name = "matmul", mixinStandardHelpOptions = true,
        description = "fp32 matmul GFLOP/s, jlm vs numpy (OpenBLAS), square and transformer shapes.")
public final class MatmulBench implements Callable<Integer> {
    @Option(names = "--quick", description = "Fewer repetitions (finishes within 60 s).")
    boolean quick;

    @Option(names = "--python", description = "Python with numpy for the peer (default: ${DEFAULT-VALUE}).")
    String python = "python3";

    /** M×K·K×N, B optionally used transposed (stored N×K). */
    record Shape(int m, int k, int n, boolean transposedB) {
        String spec() {
            return m + "x" + k + "x" + n + (transposedB ? "t" : "");
        }

        boolean large() {
            return m >= 384 && k >= 384 && n >= 384;
        }
    }

    static final List<Shape> SHAPES = List.of(
            new Shape(256, 256, 256, false), new Shape(512, 512, 512, false), new Shape(1024, 1024, 1024, false),
            new Shape(2048, 2048, 2048, false), new Shape(8192, 384, 1536, false), new Shape(8192, 1536, 384, false),
            new Shape(8192, 384, 384, true));

    @Override
    public Integer call() throws Exception {
        int repeats = quick ? 4 : 12;
        List<String> args = new ArrayList<>(List.of(String.valueOf(repeats)));
        SHAPES.forEach(s -> args.add(s.spec()));
        // Warm up our kernels on every path first (edge tiles, transposes) so C2 compiles them before timing.
        for (Shape s : SHAPES) {
            measure(s, 1);
        }
        List<double[]> ours = new ArrayList<>();
        for (Shape s : SHAPES) {
            ours.add(new double[] {measure(s, repeats)});
        }
        JsonNode peer = Peer.runPython(python, Parallel.THREADS, "matmul_numpy.py", args);
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode().put("bench", "matmul");
        ArrayNode rows = result.putArray("rows");
        double minRatio = Double.POSITIVE_INFINITY;
        System.out.printf("%-18s %12s %12s %7s%n", "shape (MxKxN)", "jlm GFLOP/s", "numpy", "ratio");
        for (int i = 0; i < SHAPES.size(); i++) {
            Shape s = SHAPES.get(i);
            double jlm = ours.get(i)[0];
            double other = peer.path("rows").path(s.spec()).asDouble();
            double ratio = jlm / other;
            if (s.large()) {
                minRatio = Math.min(minRatio, ratio);
            }
            System.out.printf("%-18s %12.1f %12.1f %7.2f%n", s.spec(), jlm, other, ratio);
            rows.addObject().put("shape", s.spec()).put("jlm_gflops", round(jlm)).put("peer_gflops", round(other))
                    .put("ratio", Math.round(ratio * 1000) / 1000.0);
        }
        result.put("min_ratio", Math.round(minRatio * 1000) / 1000.0);
        result.put("threads", Parallel.THREADS);
        Peer.describe(peer, result);
        System.out.println(json.writeValueAsString(result));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Best-of-{@code repeats} GFLOP/s. */
    static double measure(Shape s, int repeats) {
        SplittableRandom random = new SplittableRandom(0);
        float[] a = new float[s.m * s.k];
        float[] b = new float[s.k * s.n];
        float[] c = new float[s.m * s.n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        int ldb = s.transposedB ? s.k : s.n;
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < Math.max(1, repeats); r++) {
            long t0 = System.nanoTime();
            Sgemm.gemm(false, s.transposedB, s.m, s.n, s.k, a, 0, s.k, b, 0, ldb, 0f, c, 0, s.n);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return 2.0 * s.m * s.n * s.k / best / 1e9;
    }
}
