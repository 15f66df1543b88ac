package dev.jlm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.Optimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench train-step}: forward + backward + AdamW of an MLP (1024 inputs, three hidden layers of 1024 with
 * GELU, 10 classes, batch 256, cross-entropy) in jlm and in PyTorch, same run; median ms per step after warm-up.
 */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = "MLP training step (forward, backward, AdamW), jlm vs PyTorch.")
public final class TrainStepBench implements Callable<Integer> {
    static final int BATCH = 256;
    static final int WIDTH = 1024;
    static final int DEPTH = 3;
    static final int CLASSES = 10;

    @Option(names = "--quick", description = "Fewer steps (finishes within 60 s).")
    boolean quick;

    @Option(names = "--python", description = "Python with PyTorch for the peer (default: ${DEFAULT-VALUE}).")
    String python = "/usr/bin/python3";

    /** The benchmark's model: Linear+GELU blocks, then a classifier. */
    static final class Mlp extends Module {
        final List<Linear> hidden;
        final Linear head;

        Mlp(SplittableRandom random) {
            List<Linear> layers = new ArrayList<>();
            for (int i = 0; i < DEPTH; i++) {
                layers.add(new Linear(WIDTH, WIDTH, true, random));
            }
            hidden = children("hidden", layers);
            head = child("head", new Linear(WIDTH, CLASSES, true, random));
        }

        Tensor forward(Tensor x) {
            for (Linear layer : hidden) {
                x = F.gelu(layer.forward(x));
            }
            return head.forward(x);
        }
    }

    @Override
    public Integer call() throws Exception {
        int warmup = quick ? 5 : 10;
        int steps = quick ? 15 : 50;
        SplittableRandom random = new SplittableRandom(0);
        Mlp model = new Mlp(random);
        AdamW optimizer = new AdamW(Optimizer.allParameters(model, 0.01f), 1e-3f, 0.9f, 0.999f, 1e-8f);
        Tensor x = Tensor.randn(random, BATCH, WIDTH);
        int[] targets = new int[BATCH];
        Arrays.setAll(targets, i -> random.nextInt(CLASSES));
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[] times = new double[steps];
        long allocatedBefore = 0;
        float loss = 0;
        for (int i = 0; i < warmup + steps; i++) {
            if (i == warmup) {
                allocatedBefore = threadBean.getCurrentThreadAllocatedBytes();
            }
            long t0 = System.nanoTime();
            try (var scope = Memory.scope()) {
                optimizer.zeroGrad();
                Tensor l = F.crossEntropy(model.forward(x), targets, -100);
                l.backward();
                optimizer.step();
                loss = l.item();
            }
            if (i >= warmup) {
                times[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        long bytesPerStep = (threadBean.getCurrentThreadAllocatedBytes() - allocatedBefore) / steps;
        Arrays.sort(times);
        double jlmMs = times[steps / 2];

        JsonNode peer = Peer.runPython(python, Parallel.THREADS, "train_step_mlp.py",
                List.of(String.valueOf(warmup), String.valueOf(steps), String.valueOf(Parallel.THREADS)));
        double peerMs = peer.path("peer_ms").asDouble();
        double ratio = peerMs / jlmMs;
        System.out.printf("MLP %d-%dx%d-%d, batch %d, AdamW, %d threads%n", WIDTH, DEPTH, WIDTH, CLASSES, BATCH, Parallel.THREADS);
        System.out.printf("%-10s %10s%n", "", "ms/step");
        System.out.printf("%-10s %10.2f   (final loss %.4f, %,d bytes allocated per step on the training thread)%n",
                "jlm", jlmMs, loss, bytesPerStep);
        System.out.printf("%-10s %10.2f   (torch %s, %d threads; %s, %d threads)%n", "pytorch", peerMs, peer.path("torch").asText(),
                peer.path("threads").asInt(), peer.path("blas").asText(), peer.path("blas_threads").asInt());
        System.out.printf("ratio (peer/jlm) %.2f%n", ratio);
        var out = new ObjectMapper().createObjectNode().put("bench", "train-step")
                .put("jlm_ms", Math.round(jlmMs * 100) / 100.0).put("peer_ms", Math.round(peerMs * 100) / 100.0)
                .put("ratio", Math.round(ratio * 1000) / 1000.0).put("jlm_bytes_allocated_per_step", bytesPerStep);
        Peer.describe(peer, out);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}
