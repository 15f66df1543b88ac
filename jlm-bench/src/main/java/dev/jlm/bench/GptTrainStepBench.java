package dev.jlm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.GradClip;
import dev.jlm.tensor.optim.Optimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench gpt-train-step}: one training step (forward, backward, clip, AdamW) of nanoGPT's shakespeare-char
 * CPU model — 4 layers, 4 heads, width 128, context 64, batch 12, vocabulary 65, no biases — in jlm and in PyTorch,
 * same run; median ms per step.
 */
@Command(name = "gpt-train-step", mixinStandardHelpOptions = true,
        description = "nanoGPT CPU-recipe training step, jlm vs PyTorch.")
public final class GptTrainStepBench implements Callable<Integer> {
    @Option(names = "--quick", description = "Fewer steps (finishes within 60 s).")
    boolean quick;

    @Option(names = "--python", description = "Python with PyTorch for the peer (default: ${DEFAULT-VALUE}).")
    String python = "/usr/bin/python3";

    static final GptConfig CONFIG = GptConfig.builder().vocabSize(65).blockSize(64).nLayer(4).nHead(4).nEmbd(128).dropout(0f).bias(false).build();
    static final int BATCH = 12;

    @Override
    public Integer call() throws Exception {
        int warmup = quick ? 20 : 50;
        int steps = quick ? 40 : 200;
        Gpt model = new Gpt(CONFIG, 1337);
        AdamW optimizer = new AdamW(Optimizer.decayMatricesOnly(model, 0.1f), 1e-3f, 0.9f, 0.99f, 1e-8f);
        SplittableRandom random = new SplittableRandom(0);
        int tokens = BATCH * CONFIG.blockSize();
        int[] x = new int[tokens];
        int[] y = new int[tokens];
        Arrays.setAll(x, i -> random.nextInt(CONFIG.vocabSize()));
        Arrays.setAll(y, i -> random.nextInt(CONFIG.vocabSize()));
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double[] times = new double[steps];
        long allocated = 0;
        for (int i = 0; i < warmup + steps; i++) {
            if (i == warmup) {
                allocated = threadBean.getCurrentThreadAllocatedBytes();
            }
            long t0 = System.nanoTime();
            try (var scope = Memory.scope()) {
                Tensor loss = model.loss(x, y, BATCH, CONFIG.blockSize());
                loss.backward();
                GradClip.clipGradNorm(model.parameters(), 1f);
                optimizer.step();
                optimizer.zeroGrad();
            }
            if (i >= warmup) {
                times[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        long bytesPerStep = (threadBean.getCurrentThreadAllocatedBytes() - allocated) / steps;
        Arrays.sort(times);
        double jlmMs = times[steps / 2];
        JsonNode peer = Peer.runPython(python, Parallel.THREADS, "gpt_train_step.py",
                List.of(String.valueOf(warmup), String.valueOf(steps), String.valueOf(Parallel.THREADS)), "nanogpt.py");
        double peerMs = peer.path("peer_ms").asDouble();
        double ratio = peerMs / jlmMs;
        System.out.printf("nanoGPT shakespeare-char CPU model (%,d parameters), batch %d x %d, %d threads%n",
                model.parameterCount(), BATCH, CONFIG.blockSize(), Parallel.THREADS);
        System.out.printf("%-10s %10s%n", "", "ms/step");
        System.out.printf("%-10s %10.2f   (%,d bytes allocated per step on the training thread)%n", "jlm", jlmMs, bytesPerStep);
        System.out.printf("%-10s %10.2f   (torch %s, %d threads; %s, %d threads)%n", "pytorch", peerMs, peer.path("torch").asText(),
                peer.path("threads").asInt(), peer.path("blas").asText(), peer.path("blas_threads").asInt());
        System.out.printf("ratio (peer/jlm) %.2f%n", ratio);
        var out = new ObjectMapper().createObjectNode().put("bench", "gpt-train-step")
                .put("jlm_ms", Math.round(jlmMs * 100) / 100.0).put("peer_ms", Math.round(peerMs * 100) / 100.0)
                .put("ratio", Math.round(ratio * 1000) / 1000.0).put("jlm_bytes_allocated_per_step", bytesPerStep);
        Peer.describe(peer, out);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}
