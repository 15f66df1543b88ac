package dev.jlm.models.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.models.train.ResumeState;
import dev.jlm.models.train.TokenDataset;
import dev.jlm.models.train.TrainingMonitor;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.GradClip;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.tensor.optim.Optimizer;
import dev.jlm.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Pretraining loop for GPT in the manner of nanoGPT's {@code train.py}: random windows of the token file,
 * AdamW with warmup + cosine decay, gradient accumulation and clipping, periodic train/val loss estimates, the best
 * model saved in Hugging Face layout, the last state (model, optimizer, step) saved for exact resume.
 *
 * <p>Randomness is a function of (seed, step): batches and dropout masks are drawn from generators seeded per
 * step, so a resumed run continues with exactly the batches an uninterrupted run would have seen.
 */
public final class GptTrainer {
    /** Training hyper-parameters (nanoGPT's names). */
    public record Settings(int batchSize, int gradientAccumulationSteps, int maxIters, int lrDecayIters,
                           float learningRate, float minLr, int warmupIters, float weightDecay, float beta1, float beta2,
                           float gradClip, int evalInterval, int evalIters, long seed, boolean alwaysSave) {
    }

    /** What a finished run reports. */
    public record Result(int iterations, float bestValLoss, float lastTrainLoss, double seconds, double tokensPerSecond,
                         Path bestModel, Path plot, Path metrics) {
    }

    private final Gpt model;
    private final Tokenizer tokenizer;
    private final TokenDataset train;
    private final TokenDataset val;
    private final Settings settings;
    private final Path outDir;

    public GptTrainer(Gpt model, Tokenizer tokenizer, TokenDataset train, TokenDataset val, Settings settings, Path outDir) {
        if (val.size() <= model.config.blockSize() || train.size() <= model.config.blockSize()) {
            throw new IllegalArgumentException("block size " + model.config.blockSize() + " is larger than the corpus split ("
                    + train.size() + " train / " + val.size() + " val tokens); use a smaller --block-size or more data");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.train = train;
        this.val = val;
        this.settings = settings;
        this.outDir = outDir;
    }

    /** Where the resumable state of the most recent save lives. */
    public static Path lastCheckpoint(Path outDir) {
        return ResumeState.folder(outDir);
    }

    /** Trains from scratch or, when {@code outDir/last} exists, from where that run stopped. */
    public Result run(boolean showProgress) throws IOException {
        int blockSize = model.config.blockSize();
        AdamW optimizer = new AdamW(Optimizer.decayMatricesOnly(model, settings.weightDecay()), settings.learningRate(),
                settings.beta1(), settings.beta2(), 1e-8f);
        LrSchedule schedule = LrSchedule.warmupCosine(settings.learningRate(), settings.minLr(), settings.warmupIters(),
                settings.lrDecayIters());
        int startIter = 0;
        float bestVal = Float.POSITIVE_INFINITY;
        Path last = lastCheckpoint(outDir);
        if (Files.isDirectory(last)) {
            model.loadStateDict(Gpt.fromPretrained(last).stateDict(), true);
            JsonNode state = ResumeState.restore(outDir, optimizer);
            startIter = state.get("iter").asInt();
            bestVal = (float) state.get("best_val_loss").asDouble();
        }
        long tokensPerIter = (long) settings.batchSize() * blockSize * settings.gradientAccumulationSteps();
        float lastLoss = Float.NaN;
        long start = System.nanoTime();
        long tokensDone = 0;
        try (TrainingMonitor monitor = new TrainingMonitor(outDir, "GPT pretraining", startIter, settings.maxIters(), showProgress)) {
            for (int iter = startIter; iter <= settings.maxIters(); iter++) {
                float lr = schedule.at(iter);
                optimizer.setLearningRate(lr);
                if (iter % settings.evalInterval() == 0 || iter == settings.maxIters()) {
                    float[] losses = estimateLoss();
                    monitor.evaluation(iter, Map.of("train_loss", losses[0], "val_loss", losses[1], "lr", lr));
                    monitor.println(String.format("step %d: train loss %.4f, val loss %.4f", iter, losses[0], losses[1]));
                    if (losses[1] < bestVal) {
                        bestVal = losses[1];
                        saveModel(outDir);
                    }
                    if (iter > startIter || settings.alwaysSave()) {
                        saveState(iter, bestVal, optimizer);
                    }
                }
                if (iter == settings.maxIters()) {
                    break;
                }
                long t0 = System.nanoTime();
                model.train(true);
                float lossSum = 0;
                try (var scope = Memory.scope()) {
                    for (int micro = 0; micro < settings.gradientAccumulationSteps(); micro++) {
                        model.reseedDropout(stepRandom(iter, micro).nextLong());
                        TokenDataset.Batch batch = trainingBatch(iter, micro);
                        Tensor loss = model.loss(batch.inputs(), batch.targets(), settings.batchSize(), blockSize);
                        lossSum += loss.item();
                        loss.mul(1f / settings.gradientAccumulationSteps()).backward();
                    }
                    if (settings.gradClip() > 0) {
                        GradClip.clipGradNorm(model.parameters(), settings.gradClip());
                    }
                    optimizer.step();
                    optimizer.zeroGrad();
                }
                lastLoss = lossSum / settings.gradientAccumulationSteps();
                double seconds = (System.nanoTime() - t0) / 1e9;
                tokensDone += tokensPerIter;
                double elapsed = (System.nanoTime() - start) / 1e9;
                double rate = tokensDone / elapsed;
                double eta = (settings.maxIters() - iter - 1) * (elapsed / (iter - startIter + 1));
                monitor.step(iter + 1, lastLoss, tokensPerIter / seconds, eta, Map.of("lr", lr));
                if (!Float.isFinite(lastLoss)) {
                    throw new IllegalStateException("loss became " + lastLoss + " at step " + iter + "; lower --learning-rate");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(settings.maxIters(), bestVal, lastLoss, seconds, tokensDone / Math.max(seconds, 1e-9), outDir,
                    monitor.plotFile(), monitor.metricsFile());
        }
    }

    private SplittableRandom stepRandom(int iter, int micro) {
        return new SplittableRandom(settings.seed() * 1_000_003L + iter * 1_009L + micro);
    }

    /** The windows micro-batch {@code micro} of step {@code iter} trains on (its generator's first draw seeds dropout). */
    public TokenDataset.Batch trainingBatch(int iter, int micro) {
        SplittableRandom random = stepRandom(iter, micro);
        random.nextLong();
        return train.sample(settings.batchSize(), model.config.blockSize(), random);
    }

    /** The {@code evalIters} windows every loss estimate reads from the train (0) or val (1) split. */
    public TokenDataset.Batch[] evaluationBatches(int split) {
        SplittableRandom random = new SplittableRandom(settings.seed() + 7919L * (split + 1));
        TokenDataset.Batch[] batches = new TokenDataset.Batch[settings.evalIters()];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = (split == 0 ? train : val).sample(settings.batchSize(), model.config.blockSize(), random);
        }
        return batches;
    }

    /** Mean loss over {@code evalIters} batches of each split, in eval mode: {train, val}. */
    public float[] estimateLoss() {
        boolean wasTraining = model.isTraining();
        model.eval();
        float[] out = new float[2];
        try (var off = GradMode.off()) {
            for (int s = 0; s < 2; s++) {
                double sum = 0;
                for (TokenDataset.Batch batch : evaluationBatches(s)) {
                    try (var scope = Memory.scope()) {
                        sum += model.loss(batch.inputs(), batch.targets(), settings.batchSize(), model.config.blockSize()).item();
                    }
                }
                out[s] = (float) (sum / settings.evalIters());
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }

    /** The model and tokenizer in Hugging Face layout, written to a temp folder first and then swapped in. */
    private void saveModel(Path directory) throws IOException {
        ResumeState.replaceFiles(directory, this::writeModel);
    }

    private void saveState(int iter, float bestVal, AdamW optimizer) throws IOException {
        ResumeState.save(outDir, this::writeModel, optimizer, Map.of("iter", iter, "best_val_loss", bestVal));
    }

    private void writeModel(Path directory) throws IOException {
        model.savePretrained(directory);
        tokenizer.save(directory);
    }
}
