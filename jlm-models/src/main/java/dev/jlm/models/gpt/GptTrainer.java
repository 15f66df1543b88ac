package dev.jlm.models.gpt;

import dev.jlm.models.peft.PeftConfig;
import dev.jlm.models.peft.PeftModel;
import dev.jlm.models.train.TextCorpus;
import dev.jlm.models.train.TokenDataset;
import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import dev.jlm.models.train.TrainingTask;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.text.CharTokenizer;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * GPT pretraining as nanoGPT's {@code train.py} does it, run by the {@link Trainer}: random windows of the token
 * file, AdamW with warmup and cosine decay, train/val loss estimates at step 0 and every {@code evalInterval} steps,
 * the model with the best validation loss in the output folder (Hugging Face layout, with the tokenizer).
 */
public final class GptTrainer implements TrainingTask {
    /** What a finished run reports. */
    public record Result(int iterations, float bestValLoss, float lastTrainLoss, double seconds, double tokensPerSecond,
                         Path bestModel, Path metrics) {
    }

    private final Gpt model;
    private final Tokenizer tokenizer;
    private final TokenDataset train;
    private final TokenDataset val;
    private final Settings settings;
    private final Path outDir;
    /** The adapters (LoRA or a soft prompt) when training with PEFT, else null. */
    private final PeftModel peft;
    private final String baseModel;

    public GptTrainer(Gpt model, Tokenizer tokenizer, TokenDataset train, TokenDataset val, Settings settings, Path outDir) {
        this(model, tokenizer, train, val, settings, outDir, null, null);
    }

    private GptTrainer(Gpt model, Tokenizer tokenizer, TokenDataset train, TokenDataset val, Settings settings, Path outDir,
                       PeftModel peft, String baseModel) {
        if (val.size() <= model.contextSize() || train.size() <= model.contextSize()) {
            throw new IllegalArgumentException("block size " + model.contextSize() + " is larger than the corpus split ("
                    + train.size() + " train / " + val.size() + " val tokens); use a smaller --block-size or more data");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.train = train;
        this.val = val;
        this.settings = settings;
        this.outDir = outDir;
        this.peft = peft;
        this.baseModel = baseModel;
    }

    /**
     * A run on {@code text} in {@code outDir} that continues training the model in {@code pretrained} (its config,
     * weights and tokenizer): the whole model, or with {@code peft} only adapters on it (LoRA or a soft prompt),
     * saved as a PEFT adapter folder that names {@code pretrained} as its base.
     */
    public static GptTrainer fromPretrained(Path pretrained, String text, PeftConfig peft, Settings settings, Path outDir)
            throws IOException {
        Gpt model = Gpt.fromPretrained(pretrained);
        PeftModel adapters = peft == null ? null : PeftModel.wrap(model, peft, settings.seed());
        Tokenizer vocabulary = Tokenizers.load(pretrained.toString());
        TextCorpus.Splits splits = TextCorpus.prepare(text, vocabulary, outDir);
        return new GptTrainer(model, vocabulary, splits.train(), splits.val(), settings, outDir, adapters, pretrained.toString());
    }

    /**
     * A run on {@code text} in {@code outDir}: the text tokenized into {@code train.bin} / {@code val.bin} there (the
     * first 90% / last 10%, {@link TextCorpus#prepare}) by the tokenizer of {@code outDir/last} when resuming, else by
     * {@code tokenizer} — {@code char} (a character vocabulary of the text) or a tokenizer name or path; a model of
     * {@code architecture}(vocabulary size) initialized from the settings' seed.
     */
    public static GptTrainer onText(String text, String tokenizer, IntFunction<GptConfig> architecture, Settings settings,
                                    Path outDir) throws IOException {
        Path last = lastCheckpoint(outDir);
        Tokenizer vocabulary = Files.isDirectory(last) ? Tokenizers.load(last.toString())
                : tokenizer.equals("char") ? CharTokenizer.train(text) : Tokenizers.load(tokenizer);
        TextCorpus.Splits splits = TextCorpus.prepare(text, vocabulary, outDir);
        Gpt model = new Gpt(architecture.apply(vocabulary.vocabSize()), settings.seed());
        return new GptTrainer(model, vocabulary, splits.train(), splits.val(), settings, outDir);
    }

    /** Where the resumable state of the most recent save lives. */
    public static Path lastCheckpoint(Path outDir) {
        return Trainer.lastCheckpoint(outDir);
    }

    /** Trains from scratch or, when {@code outDir/last} exists, from where that run stopped. */
    public Result run(TrainingListener... listeners) throws IOException {
        Trainer.Settings loop = Trainer.Settings.builder()
                .maxSteps(settings.maxIters())
                .schedule(LrSchedule.warmupCosine(settings.learningRate(), settings.minLr(), settings.warmupIters(),
                        settings.lrDecayIters()))
                .beta1(settings.beta1()).beta2(settings.beta2()).eps(1e-8f).weightDecay(settings.weightDecay())
                .gradientAccumulationSteps(settings.gradientAccumulationSteps()).maxGradNorm(settings.gradClip())
                .evaluateBeforeTraining(true).evalInterval(settings.evalInterval()).saveInterval(settings.evalInterval())
                .bestMetric("val_loss").seed(settings.seed())
                .build();
        Trainer.Result result = new Trainer(this, loop, outDir).run(listeners);
        return new Result(result.steps(), (float) result.bestMetric(), result.lastLoss(), result.seconds(),
                result.tokensPerSecond(), outDir, result.metrics());
    }

    @Override
    public Gpt model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The adapters when training with PEFT (their trainable and total parameter counts), else null. */
    public PeftModel peft() {
        return peft;
    }

    public TokenDataset trainSplit() {
        return train;
    }

    public TokenDataset valSplit() {
        return val;
    }

    @Override
    public Loss loss(int step, int micro, SplittableRandom random) {
        TokenDataset.Batch batch = train.sample(settings.batchSize(), model.contextSize(), random);
        return new Loss(model.loss(batch.inputs(), batch.targets(), settings.batchSize(), model.contextSize()),
                (long) settings.batchSize() * model.contextSize());
    }

    /**
     * The windows micro-batch {@code micro} of step {@code iter} trains on: drawn from {@link Trainer#stepRandom} after
     * its first draw, which seeds dropout.
     */
    public TokenDataset.Batch trainingBatch(int iter, int micro) {
        SplittableRandom random = Trainer.stepRandom(settings.seed(), iter, micro);
        random.nextLong();
        return train.sample(settings.batchSize(), model.contextSize(), random);
    }

    /** {@code train_loss} and {@code val_loss}, nanoGPT's {@code estimate_loss}. */
    @Override
    public Map<String, Number> evaluate(int step, boolean last) {
        float[] losses = estimateLoss();
        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("train_loss", losses[0]);
        metrics.put("val_loss", losses[1]);
        return metrics;
    }

    /** The {@code evalIters} windows every loss estimate reads from the train (0) or val (1) split. */
    public TokenDataset.Batch[] evaluationBatches(int split) {
        SplittableRandom random = new SplittableRandom(settings.seed() + 7919L * (split + 1));
        TokenDataset.Batch[] batches = new TokenDataset.Batch[settings.evalIters()];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = (split == 0 ? train : val).sample(settings.batchSize(), model.contextSize(), random);
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
                        sum += model.loss(batch.inputs(), batch.targets(), settings.batchSize(), model.contextSize()).item();
                    }
                }
                out[s] = (float) (sum / settings.evalIters());
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }

    /** The model (or with PEFT its adapter folder) and the tokenizer, in Hugging Face layout. */
    @Override
    public void save(Path directory) throws IOException {
        if (peft != null) {
            peft.save(directory, baseModel);
        } else {
            model.savePretrained(directory);
        }
        tokenizer.save(directory);
    }

    @Override
    public void restore(Path directory) throws IOException {
        if (peft != null) {
            peft.loadWeights(directory);
        } else {
            model.loadStateDict(Gpt.fromPretrained(directory).stateDict(), true);
        }
    }

    /**
     * Training hyper-parameters under nanoGPT's names, built by name; the defaults are the recipe of its
     * character-level Shakespeare CPU run ({@code Settings.builder().maxIters(5000).build()}).
     */
    public static final class Settings {
        private final int batchSize;
        private final int gradientAccumulationSteps;
        private final int maxIters;
        private final int lrDecayIters;
        private final float learningRate;
        private final float minLr;
        private final int warmupIters;
        private final float weightDecay;
        private final float beta1;
        private final float beta2;
        private final float gradClip;
        private final int evalInterval;
        private final int evalIters;
        private final long seed;

        private Settings(Builder b) {
            this.batchSize = b.batchSize;
            this.gradientAccumulationSteps = b.gradientAccumulationSteps;
            this.maxIters = b.maxIters;
            this.lrDecayIters = b.lrDecayIters != null ? b.lrDecayIters : b.maxIters;
            this.learningRate = b.learningRate;
            this.minLr = b.minLr;
            this.warmupIters = b.warmupIters;
            this.weightDecay = b.weightDecay;
            this.beta1 = b.beta1;
            this.beta2 = b.beta2;
            this.gradClip = b.gradClip;
            this.evalInterval = b.evalInterval;
            this.evalIters = b.evalIters;
            this.seed = b.seed;
        }

        /** The defaults, for callers that show or start from them. */
        public static final Settings DEFAULTS = builder().build();

        public static Builder builder() {
            return new Builder();
        }

        /** Sequences per micro-batch. */
        public int batchSize() {
            return batchSize;
        }

        public int gradientAccumulationSteps() {
            return gradientAccumulationSteps;
        }

        public int maxIters() {
            return maxIters;
        }

        /** The step where the cosine decay reaches {@link #minLr}; {@link #maxIters} unless set. */
        public int lrDecayIters() {
            return lrDecayIters;
        }

        public float learningRate() {
            return learningRate;
        }

        public float minLr() {
            return minLr;
        }

        public int warmupIters() {
            return warmupIters;
        }

        public float weightDecay() {
            return weightDecay;
        }

        public float beta1() {
            return beta1;
        }

        public float beta2() {
            return beta2;
        }

        /** The global gradient norm to clip to; 0 turns clipping off. */
        public float gradClip() {
            return gradClip;
        }

        /** Steps between loss estimates (and checkpoints). */
        public int evalInterval() {
            return evalInterval;
        }

        /** Batches per split in each loss estimate. */
        public int evalIters() {
            return evalIters;
        }

        public long seed() {
            return seed;
        }

        public static final class Builder {
            private int batchSize = 12;
            private int gradientAccumulationSteps = 1;
            private int maxIters = 2000;
            private Integer lrDecayIters;
            private float learningRate = 1e-3f;
            private float minLr = 1e-4f;
            private int warmupIters = 100;
            private float weightDecay = 0.1f;
            private float beta1 = 0.9f;
            private float beta2 = 0.99f;
            private float gradClip = 1f;
            private int evalInterval = 250;
            private int evalIters = 20;
            private long seed = 1337;

            private Builder() {
            }

            public Builder batchSize(int batchSize) {
                this.batchSize = batchSize;
                return this;
            }

            public Builder gradientAccumulationSteps(int steps) {
                this.gradientAccumulationSteps = steps;
                return this;
            }

            public Builder maxIters(int maxIters) {
                this.maxIters = maxIters;
                return this;
            }

            public Builder lrDecayIters(int lrDecayIters) {
                this.lrDecayIters = lrDecayIters;
                return this;
            }

            public Builder learningRate(float learningRate) {
                this.learningRate = learningRate;
                return this;
            }

            public Builder minLr(float minLr) {
                this.minLr = minLr;
                return this;
            }

            public Builder warmupIters(int warmupIters) {
                this.warmupIters = warmupIters;
                return this;
            }

            public Builder weightDecay(float weightDecay) {
                this.weightDecay = weightDecay;
                return this;
            }

            public Builder beta1(float beta1) {
                this.beta1 = beta1;
                return this;
            }

            public Builder beta2(float beta2) {
                this.beta2 = beta2;
                return this;
            }

            public Builder gradClip(float gradClip) {
                this.gradClip = gradClip;
                return this;
            }

            public Builder evalInterval(int evalInterval) {
                this.evalInterval = evalInterval;
                return this;
            }

            public Builder evalIters(int evalIters) {
                this.evalIters = evalIters;
                return this;
            }

            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            public Settings build() {
                if (batchSize < 1 || gradientAccumulationSteps < 1 || maxIters < 1 || evalInterval < 1 || evalIters < 1) {
                    throw new IllegalArgumentException("batchSize, gradientAccumulationSteps, maxIters, evalInterval and "
                            + "evalIters must be positive");
                }
                return new Settings(this);
            }
        }
    }
}
