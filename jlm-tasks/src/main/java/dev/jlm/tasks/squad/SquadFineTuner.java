package dev.jlm.tasks.squad;

import dev.jlm.models.bert.BertForQuestionAnswering;
import dev.jlm.models.bert.PaddedBatch;
import dev.jlm.models.train.EpochOrder;
import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import dev.jlm.models.train.TrainingTask;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Extractive-QA fine-tuning as {@code run_qa.py} trains, run by the {@link Trainer}: the mean of the start and end
 * cross-entropies over windows in shuffled batches, AdamW (weight decay on matrices only) with linear warmup and
 * decay to zero over all epochs, gradient clipping at 1. The model is saved (HF layout, with the tokenizer) in the
 * output folder at every checkpoint. Batches are fixed by the seed and step ({@link EpochOrder}).
 */
public final class SquadFineTuner implements TrainingTask {
    /**
     * Fine-tuning settings, built by name; the defaults are {@code run_qa.py}'s (2 epochs, batches of 12, learning
     * rate 3e-5, no warmup or weight decay, a checkpoint every 500 steps, seed 42).
     */
    public static final class Settings {
        private final int epochs;
        private final int batchSize;
        private final int gradientAccumulationSteps;
        private final float learningRate;
        private final float warmupRatio;
        private final float weightDecay;
        private final double maxSeconds;
        private final int saveEvery;
        private final long seed;

        private Settings(Builder b) {
            this.epochs = b.epochs;
            this.batchSize = b.batchSize;
            this.gradientAccumulationSteps = b.gradientAccumulationSteps;
            this.learningRate = b.learningRate;
            this.warmupRatio = b.warmupRatio;
            this.weightDecay = b.weightDecay;
            this.maxSeconds = b.maxSeconds;
            this.saveEvery = b.saveEvery;
            this.seed = b.seed;
        }

        /** The defaults, for callers that show or start from them. */
        public static final Settings DEFAULTS = builder().build();

        public static Builder builder() {
            return new Builder();
        }

        public int epochs() {
            return epochs;
        }

        /** Windows per forward/backward pass. */
        public int batchSize() {
            return batchSize;
        }

        /**
         * Passes whose gradients make one optimizer step (HF's name): a step sees {@link #windowsPerStep} windows with
         * the memory of {@link #batchSize}.
         */
        public int gradientAccumulationSteps() {
            return gradientAccumulationSteps;
        }

        /** The peak learning rate, decayed linearly to 0 over all epochs. */
        public float learningRate() {
            return learningRate;
        }

        /** The share of all steps spent warming up. */
        public float warmupRatio() {
            return warmupRatio;
        }

        /** AdamW's weight decay on matrices. */
        public float weightDecay() {
            return weightDecay;
        }

        /** The run stops early after this long (the schedule is still laid out over all epochs). */
        public double maxSeconds() {
            return maxSeconds;
        }

        /** Optimizer steps between checkpoints. */
        public int saveEvery() {
            return saveEvery;
        }

        public long seed() {
            return seed;
        }

        public int windowsPerStep() {
            return batchSize * gradientAccumulationSteps;
        }

        public static final class Builder {
            private int epochs = 2;
            private int batchSize = 12;
            private int gradientAccumulationSteps = 1;
            private float learningRate = 3e-5f;
            private float warmupRatio = 0f;
            private float weightDecay = 0f;
            private double maxSeconds = Double.POSITIVE_INFINITY;
            private int saveEvery = 500;
            private long seed = 42;

            private Builder() {
            }

            public Builder epochs(int epochs) {
                this.epochs = epochs;
                return this;
            }

            public Builder batchSize(int batchSize) {
                this.batchSize = batchSize;
                return this;
            }

            public Builder gradientAccumulationSteps(int gradientAccumulationSteps) {
                this.gradientAccumulationSteps = gradientAccumulationSteps;
                return this;
            }

            public Builder learningRate(float learningRate) {
                this.learningRate = learningRate;
                return this;
            }

            public Builder warmupRatio(float warmupRatio) {
                this.warmupRatio = warmupRatio;
                return this;
            }

            public Builder weightDecay(float weightDecay) {
                this.weightDecay = weightDecay;
                return this;
            }

            public Builder maxSeconds(double maxSeconds) {
                this.maxSeconds = maxSeconds;
                return this;
            }

            public Builder saveEvery(int saveEvery) {
                this.saveEvery = saveEvery;
                return this;
            }

            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            public Settings build() {
                if (epochs < 1 || batchSize < 1 || gradientAccumulationSteps < 1 || saveEvery < 1) {
                    throw new IllegalArgumentException("epochs, batchSize, gradientAccumulationSteps and saveEvery must be "
                            + "positive");
                }
                if (!(learningRate > 0)) {
                    throw new IllegalArgumentException("learningRate must be positive (got " + learningRate + ")");
                }
                return new Settings(this);
            }
        }
    }

    /** What a finished (or stopped) run reports. */
    public record Result(int steps, int totalSteps, float finalLoss, double seconds, double featuresPerSecond,
                         double tokensPerSecond) {
    }

    private final BertForQuestionAnswering model;
    private final Tokenizer tokenizer;
    private final List<SquadFeatures.Feature> features;
    private final Settings settings;
    private final Path outDir;
    private final EpochOrder order;
    private int windowsStep = -1;
    private List<SquadFeatures.Feature> windows;

    public SquadFineTuner(BertForQuestionAnswering model, Tokenizer tokenizer, List<SquadFeatures.Feature> features,
                          Settings settings, Path outDir) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.features = features;
        this.settings = settings;
        this.outDir = outDir;
        this.order = new EpochOrder(features.size(), settings.windowsPerStep(), settings.seed());
    }

    @Override
    public int stepsPerEpoch() {
        return order.stepsPerEpoch();
    }

    /** Trains from the start or from {@code outDir/last}, and saves the model in {@code outDir}. */
    public Result run(TrainingListener... listeners) throws IOException {
        int totalSteps = settings.epochs() * stepsPerEpoch();
        Trainer.Settings loop = Trainer.Settings.builder()
                .maxSteps(totalSteps).maxSeconds(settings.maxSeconds())
                .schedule(LrSchedule.warmupLinear(settings.learningRate(), Math.round(settings.warmupRatio() * totalSteps),
                        totalSteps))
                .beta1(0.9f).beta2(0.999f).eps(1e-8f).weightDecay(settings.weightDecay())
                .gradientAccumulationSteps(settings.gradientAccumulationSteps()).maxGradNorm(1f)
                .saveInterval(settings.saveEvery()).seed(settings.seed())
                .build();
        Trainer.Result result = new Trainer(this, loop, outDir).run(listeners);
        return new Result(result.steps(), totalSteps, result.lastLoss(), result.seconds(),
                result.stepsThisRun() * (double) settings.windowsPerStep() / result.seconds(), result.tokensPerSecond());
    }

    @Override
    public BertForQuestionAnswering model() {
        return model;
    }

    /** Near-equal passes over the step's windows (fewer when the epoch's last batch is short). */
    @Override
    public int microBatches(int step, int gradientAccumulationSteps) {
        return Math.min(gradientAccumulationSteps, windowsOf(step).size());
    }

    @Override
    public Loss loss(int step, int micro, SplittableRandom random) {
        List<SquadFeatures.Feature> windows = windowsOf(step);
        int passes = microBatches(step, settings.gradientAccumulationSteps());
        Batch batch = Batch.of(windows.subList(micro * windows.size() / passes, (micro + 1) * windows.size() / passes));
        return new Loss(model.loss(batch.logits(model), batch.starts(), batch.ends()), batch.inputs().tokens());
    }

    /** The windows of training step {@code step}, computed once per step. */
    private List<SquadFeatures.Feature> windowsOf(int step) {
        if (step != windowsStep) {
            windows = batchAt(step);
            windowsStep = step;
        }
        return windows;
    }

    /** The model (Hugging Face layout) with its tokenizer. */
    @Override
    public void save(Path directory) throws IOException {
        model.savePretrained(directory);
        tokenizer.save(directory);
    }

    @Override
    public void restore(Path directory) throws IOException {
        model.loadStateDict(BertForQuestionAnswering.fromPretrained(directory).stateDict(), true);
    }

    /**
     * Seconds per training step measured on {@code steps} batches (after three warm-up batches, which the JIT compiler
     * needs): forward and backward
     * only, gradients dropped and parameters untouched, so a time budget can be turned into epochs before training.
     */
    public double secondsPerStep(int steps) {
        model.train(true);
        long t0 = 0;
        int warmUp = 3;
        for (int i = 0; i < warmUp + steps; i++) {
            if (i == warmUp) {
                t0 = System.nanoTime();
            }
            List<SquadFeatures.Feature> windows = batchAt(i % stepsPerEpoch());
            for (int from = 0; from < windows.size(); from += settings.batchSize()) {
                Batch batch = Batch.of(windows.subList(from, Math.min(windows.size(), from + settings.batchSize())));
                try (var scope = Memory.scope()) {
                    Tensor[] logits = batch.logits(model);
                    model.loss(logits, batch.starts(), batch.ends()).backward();
                    model.zeroGrad();
                }
            }
        }
        return (System.nanoTime() - t0) / 1e9 / steps;
    }

    /** The windows of training step {@code step}. */
    private List<SquadFeatures.Feature> batchAt(int step) {
        List<SquadFeatures.Feature> out = new ArrayList<>();
        for (int i : order.batch(step)) {
            out.add(features.get(i));
        }
        return out;
    }

    /**
     * Start and end logits of every feature (in order), computed in batches of similar lengths; {@code progress}
     * hears the number of features done after each batch.
     */
    public static Logits predict(BertForQuestionAnswering model, List<SquadFeatures.Feature> features, int batchSize,
                                 IntConsumer progress) {
        float[][] starts = new float[features.size()][];
        float[][] ends = new float[features.size()][];
        Integer[] byLength = IntStream.range(0, features.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(byLength, Comparator.comparingInt(i -> features.get(i).length()));
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var off = GradMode.off()) {
            for (int from = 0; from < byLength.length; from += batchSize) {
                int to = Math.min(byLength.length, from + batchSize);
                List<SquadFeatures.Feature> chunk = new ArrayList<>();
                for (int i = from; i < to; i++) {
                    chunk.add(features.get(byLength[i]));
                }
                Batch batch = Batch.of(chunk);
                try (var scope = Memory.scope()) {
                    Tensor[] logits = batch.logits(model);
                    float[] s = logits[0].toArray();
                    float[] e = logits[1].toArray();
                    for (int b = 0; b < chunk.size(); b++) {
                        int n = chunk.get(b).length();
                        starts[byLength[from + b]] = Arrays.copyOfRange(s, b * batch.inputs().length(), b * batch.inputs().length() + n);
                        ends[byLength[from + b]] = Arrays.copyOfRange(e, b * batch.inputs().length(), b * batch.inputs().length() + n);
                    }
                }
                progress.accept(to);
            }
        } finally {
            model.train(wasTraining);
        }
        return new Logits(Arrays.asList(starts), Arrays.asList(ends));
    }

    /** Per feature, its start and end logits (one per token). */
    public record Logits(List<float[]> starts, List<float[]> ends) {
    }

    /** Windows padded to the longest of them, with their span targets. */
    record Batch(PaddedBatch inputs, int[] starts, int[] ends) {
        static Batch of(List<SquadFeatures.Feature> features) {
            return new Batch(PaddedBatch.of(features.stream().map(SquadFeatures.Feature::ids).toList(),
                    features.stream().map(SquadFeatures.Feature::typeIds).toList()),
                    features.stream().mapToInt(SquadFeatures.Feature::startPosition).toArray(),
                    features.stream().mapToInt(SquadFeatures.Feature::endPosition).toArray());
        }

        Tensor[] logits(BertForQuestionAnswering model) {
            return model.forward(inputs.ids(), inputs.typeIds(), inputs.attention(), inputs.size(), inputs.length());
        }
    }
}
