package dev.jlm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.train.TextCorpus;
import dev.jlm.models.train.TokenDataset;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.text.CharTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench gpt-quality}: nanoGPT's CPU recipe for character-level tiny Shakespeare, trained from scratch by
 * jlm and, in the same run, by PyTorch in lockstep ({@code gpt_quality.py}: jlm's initial weights, jlm's batches), so
 * the two differ only in arithmetic; the validation losses are shown next to nanoGPT's published 1.88.
 */
@Command(name = "gpt-quality", mixinStandardHelpOptions = true,
        description = "Train nanoGPT's shakespeare-char CPU recipe with jlm and, in lockstep, PyTorch; report the validation losses (anchor 1.88).")
public final class GptQualityBench implements Callable<Integer> {
    static final double ANCHOR = 1.88;

    @Option(names = "--quick", description = "300 iterations instead of 2000 (finishes within 60 s; the loss is not comparable).")
    boolean quick;

    @Option(names = "--max-iters", description = "Override the iteration count.")
    Integer maxIters;

    @Option(names = "--seed", description = "Seed for initialization and batches (default: ${DEFAULT-VALUE}).")
    long seed = 1337;

    @Option(names = "--python", description = "Python with PyTorch for the peer (default: ${DEFAULT-VALUE}).")
    String python = "/usr/bin/python3";

    @Override
    public Integer call() throws Exception {
        int iters = maxIters != null ? maxIters : quick ? 300 : 2000;
        String text = TextCorpus.tinyShakespeare();
        CharTokenizer tokenizer = CharTokenizer.train(text);
        Path dir = Files.createTempDirectory("jlm-gpt-quality");
        TextCorpus.Splits splits = TextCorpus.prepare(text, tokenizer, dir);
        // nanoGPT's model uses nn.GELU() (the erf form) and LayerNorm eps 1e-5.
        GptConfig config = GptConfig.builder().vocabSize(tokenizer.vocabSize()).blockSize(64).nLayer(4).nHead(4).nEmbd(128).dropout(0f).bias(false).activation("gelu").build();
        Gpt model = new Gpt(config, seed);
        model.savePretrained(dir.resolve("init"));
        GptTrainer.Settings settings = GptTrainer.Settings.builder().maxIters(iters).evalInterval(Math.max(1, iters / 4))
                .seed(seed).build();
        GptTrainer trainer = new GptTrainer(model, tokenizer, splits.train(), splits.val(), settings, dir);
        writeBatches(trainer, iters, dir.resolve("batches.bin"));
        GptTrainer.Result result = trainer.run();
        float[] finalLosses = trainer.estimateLoss();
        JsonNode peer = Peer.runPython(python, Parallel.THREADS, "gpt_quality.py", List.of(
                dir.toString(), String.valueOf(iters), String.valueOf(Parallel.THREADS)), "nanogpt.py");
        double maxStepDiff = maxStepLossDifference(result.metrics(), peer.path("peer_losses"));
        System.out.printf("nanoGPT shakespeare-char CPU recipe: %d iterations in %.0f s (%,.0f tokens/s)%n", iters,
                result.seconds(), result.tokensPerSecond());
        System.out.printf("%-22s %8s%n", "", "val loss");
        System.out.printf("%-22s %8.4f   (%.0f s)%n", "jlm", finalLosses[1], result.seconds());
        System.out.printf("%-22s %8.4f   (%.0f s, torch %s, jlm's initial weights and batches; largest step-loss "
                        + "difference %.1e)%n", "pytorch", peer.path("peer_val_loss").asDouble(),
                peer.path("peer_train_s").asDouble(), peer.path("torch").asText(), maxStepDiff);
        System.out.printf("%-22s %8.2f%n", "nanoGPT (published)", ANCHOR);
        var out = new ObjectMapper().createObjectNode().put("bench", "gpt-quality")
                .put("val_loss", Math.round(finalLosses[1] * 10000) / 10000.0).put("anchor_val_loss", ANCHOR)
                .put("train_s", Math.round(result.seconds() * 10) / 10.0).put("iters", iters)
                .put("train_loss", Math.round(finalLosses[0] * 10000) / 10000.0)
                .put("peer_val_loss", peer.path("peer_val_loss").asDouble())
                .put("peer_train_s", peer.path("peer_train_s").asDouble())
                .put("max_step_loss_diff", Double.parseDouble(String.format("%.2g", maxStepDiff)));
        Peer.describe(peer, out);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    /** Every training step's windows, then the final estimate's (train split, val split), as gpt_quality.py reads them. */
    private static void writeBatches(GptTrainer trainer, int iters, Path file) throws IOException {
        List<TokenDataset.Batch> batches = new ArrayList<>();
        for (int iter = 0; iter < iters; iter++) {
            batches.add(trainer.trainingBatch(iter, 0));
        }
        batches.addAll(List.of(trainer.evaluationBatches(0)));
        batches.addAll(List.of(trainer.evaluationBatches(1)));
        int tokens = batches.getFirst().inputs().length;
        ByteBuffer buffer = ByteBuffer.allocate(batches.size() * 2 * tokens * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (TokenDataset.Batch batch : batches) {
            buffer.asIntBuffer().put(batch.inputs()).put(batch.targets());
            buffer.position(buffer.position() + 2 * tokens * Integer.BYTES);
        }
        Files.write(file, buffer.array());
    }

    /** The largest |jlm − PyTorch| training loss over the steps (jlm's from its metrics.jsonl, step n = after n updates). */
    private static double maxStepLossDifference(Path metrics, JsonNode peerLosses) throws IOException {
        ObjectMapper json = new ObjectMapper();
        double max = 0;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode row = json.readTree(line);
            if (row.has("loss")) {
                int step = row.get("step").asInt();
                max = Math.max(max, Math.abs(row.get("loss").asDouble() - peerLosses.path(step - 1).asDouble(Double.NaN)));
            }
        }
        return max;
    }
}
