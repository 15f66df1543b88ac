package dev.jlm.models.bert;

import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import dev.jlm.models.train.TrainingTask;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.TokenizerTrainer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * Masked-language-model pretraining (BERT's recipe): documents are tokenized into one stream, cut into random
 * windows wrapped in {@code [CLS] … [SEP]}, and 15% of the tokens (or of the words, with whole-word masking) are
 * chosen for prediction — 80% replaced by {@code [MASK]}, 10% by a random token, 10% left as they are. The
 * {@link Trainer} runs it: AdamW with linear warmup and decay, the latest model in the output folder, held-out loss and
 * masked-token accuracy at every checkpoint; batches and masks are drawn from the loop's per-step generators.
 */
public final class MaskedLmTrainer implements TrainingTask {
    /**
     * Training settings, built by name; the run stops at {@code maxSteps} or after {@code maxSeconds}, whichever
     * comes first. The defaults are BERT's recipe at a small scale: batches of 32 sequences of 128 tokens, peak
     * learning rate 5e-4 after 200 warmup steps, 15% of the tokens masked.
     */
    public static final class Settings {
        private final int batchSize;
        private final int sequenceLength;
        private final int maxSteps;
        private final double maxSeconds;
        private final float learningRate;
        private final int warmupSteps;
        private final float weightDecay;
        private final float maskProbability;
        private final boolean wholeWordMasking;
        private final int evalInterval;
        private final long seed;

        private Settings(Builder b) {
            this.batchSize = b.batchSize;
            this.sequenceLength = b.sequenceLength;
            this.maxSteps = b.maxSteps;
            this.maxSeconds = b.maxSeconds;
            this.learningRate = b.learningRate;
            this.warmupSteps = b.warmupSteps;
            this.weightDecay = b.weightDecay;
            this.maskProbability = b.maskProbability;
            this.wholeWordMasking = b.wholeWordMasking;
            this.evalInterval = b.evalInterval;
            this.seed = b.seed;
        }

        /** The defaults, for callers that show or start from them. */
        public static final Settings DEFAULTS = builder().build();

        public static Builder builder() {
            return new Builder();
        }

        /** Sequences per step. */
        public int batchSize() {
            return batchSize;
        }

        /** Tokens per sequence, [CLS] and [SEP] included. */
        public int sequenceLength() {
            return sequenceLength;
        }

        public int maxSteps() {
            return maxSteps;
        }

        public double maxSeconds() {
            return maxSeconds;
        }

        /** The peak learning rate, reached after {@link #warmupSteps} and decayed linearly to 0 at {@link #maxSteps}. */
        public float learningRate() {
            return learningRate;
        }

        public int warmupSteps() {
            return warmupSteps;
        }

        public float weightDecay() {
            return weightDecay;
        }

        /** The share of tokens (or of words, with whole-word masking) chosen for prediction. */
        public float maskProbability() {
            return maskProbability;
        }

        /** Mask a word's ## pieces together with it. */
        public boolean wholeWordMasking() {
            return wholeWordMasking;
        }

        /** Steps between held-out evaluations and checkpoints. */
        public int evalInterval() {
            return evalInterval;
        }

        public long seed() {
            return seed;
        }

        public static final class Builder {
            private int batchSize = 32;
            private int sequenceLength = 128;
            private int maxSteps = 10_000;
            private double maxSeconds = Double.POSITIVE_INFINITY;
            private float learningRate = 5e-4f;
            private int warmupSteps = 200;
            private float weightDecay = 0.01f;
            private float maskProbability = 0.15f;
            private boolean wholeWordMasking = false;
            private int evalInterval = 500;
            private long seed = 1337;

            private Builder() {
            }

            public Builder batchSize(int batchSize) {
                this.batchSize = batchSize;
                return this;
            }

            public Builder sequenceLength(int sequenceLength) {
                this.sequenceLength = sequenceLength;
                return this;
            }

            public Builder maxSteps(int maxSteps) {
                this.maxSteps = maxSteps;
                return this;
            }

            public Builder maxSeconds(double maxSeconds) {
                this.maxSeconds = maxSeconds;
                return this;
            }

            public Builder learningRate(float learningRate) {
                this.learningRate = learningRate;
                return this;
            }

            public Builder warmupSteps(int warmupSteps) {
                this.warmupSteps = warmupSteps;
                return this;
            }

            public Builder weightDecay(float weightDecay) {
                this.weightDecay = weightDecay;
                return this;
            }

            public Builder maskProbability(float maskProbability) {
                this.maskProbability = maskProbability;
                return this;
            }

            public Builder wholeWordMasking(boolean wholeWordMasking) {
                this.wholeWordMasking = wholeWordMasking;
                return this;
            }

            public Builder evalInterval(int evalInterval) {
                this.evalInterval = evalInterval;
                return this;
            }

            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            public Settings build() {
                if (batchSize < 1 || sequenceLength < 3 || maxSteps < 1 || warmupSteps < 0 || evalInterval < 1) {
                    throw new IllegalArgumentException("batchSize, maxSteps and evalInterval must be positive, "
                            + "sequenceLength at least 3, warmupSteps not negative");
                }
                if (!(learningRate > 0) || !(maskProbability > 0 && maskProbability < 1)) {
                    throw new IllegalArgumentException("learningRate must be positive and maskProbability between 0 and 1");
                }
                return new Settings(this);
            }
        }
    }

    /** What a finished run reports. */
    public record Result(int steps, float finalLoss, double maskedAccuracy, double evalLoss, double seconds,
                         double tokensPerSecond) {
    }

    private final BertForMaskedLM model;
    private final Tokenizer tokenizer;
    private final int[] train;
    private final int[] heldOut;
    private final Settings settings;
    private final Path outDir;
    private final int cls;
    private final int sep;
    private final int mask;
    private final int firstRegular;
    /** Which ids are word-piece continuations ({@code ##…}), for whole-word masking. */
    private final boolean[] continuation;

    public MaskedLmTrainer(BertForMaskedLM model, Tokenizer tokenizer, List<String> trainTexts, List<String> heldOutTexts,
                           Settings settings, Path outDir) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.outDir = outDir;
        this.cls = require(tokenizer, "[CLS]");
        this.sep = require(tokenizer, "[SEP]");
        this.mask = require(tokenizer, "[MASK]");
        this.firstRegular = Math.max(Math.max(cls, sep), Math.max(mask, require(tokenizer, "[PAD]"))) + 1;
        this.continuation = new boolean[tokenizer.vocabSize()];
        for (int id = 0; id < continuation.length; id++) {
            continuation[id] = tokenizer.idToToken(id).startsWith("##");
        }
        this.train = stream(trainTexts);
        this.heldOut = stream(heldOutTexts);
        int window = settings.sequenceLength() - 2;
        if (train.length <= window || heldOut.length <= window) {
            throw new IllegalArgumentException("sequence length " + settings.sequenceLength() + " is longer than the text ("
                    + train.length + " training / " + heldOut.length + " held-out tokens)");
        }
    }

    /**
     * A run on {@code corpus} in {@code outDir}: with the tokenizer of {@code outDir/last} when resuming, else the one
     * {@code tokenizer} names (a file, folder or name) or, when it is null, a WordPiece vocabulary of {@code vocabSize}
     * trained on the training documents; a model of {@code architecture}(vocabulary size) initialized from the
     * settings' seed.
     */
    public static MaskedLmTrainer onCorpus(MaskedLmCorpus corpus, String tokenizer, int vocabSize,
                                           IntFunction<BertConfig> architecture, Settings settings, Path outDir)
            throws IOException {
        Path last = Trainer.lastCheckpoint(outDir);
        Tokenizer vocabulary = Files.isDirectory(last) ? Tokenizers.load(last.toString())
                : tokenizer != null ? Tokenizers.load(tokenizer)
                : TokenizerTrainer.trainWordPiece(corpus.train(), vocabSize, 2, size -> { });
        BertForMaskedLM model = new BertForMaskedLM(architecture.apply(vocabulary.vocabSize()), settings.seed());
        return new MaskedLmTrainer(model, vocabulary, corpus.train(), corpus.heldOut(), settings, outDir);
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    private static int require(Tokenizer tokenizer, String token) {
        int id = tokenizer.tokenToId(token);
        if (id < 0) {
            throw new IllegalArgumentException("the tokenizer has no " + token + " token (masked-LM training needs a BERT vocabulary)");
        }
        return id;
    }

    /** All texts' token ids, one after the other, separated by [SEP]. */
    private int[] stream(List<String> texts) {
        EncodeOptions plain = EncodeOptions.DEFAULT.withoutSpecialTokens();
        return tokenizer.encodeBatch(texts, plain).stream().flatMapToInt(e -> {
            int[] ids = Arrays.copyOf(e.ids(), e.length() + 1);
            ids[e.length()] = sep;
            return Arrays.stream(ids);
        }).toArray();
    }

    /** Inputs, labels (-100 where nothing is predicted) and an all-ones attention mask for one batch. */
    record Batch(int[] inputs, int[] labels, int[] attention) {
    }

    Batch sample(int[] tokens, SplittableRandom random) {
        int b = settings.batchSize();
        int t = settings.sequenceLength();
        int window = t - 2;
        int[] inputs = new int[b * t];
        int[] labels = new int[b * t];
        Arrays.fill(labels, -100);
        int vocab = tokenizer.vocabSize();
        for (int row = 0; row < b; row++) {
            int start = random.nextInt(tokens.length - window);
            int base = row * t;
            inputs[base] = cls;
            inputs[base + t - 1] = sep;
            System.arraycopy(tokens, start, inputs, base + 1, window);
            for (int i = 1; i < t - 1; ) {
                // A unit is one token, or with whole-word masking a word: a token and its ## continuations.
                int end = i + 1;
                while (settings.wholeWordMasking() && end < t - 1 && continuation[inputs[base + end]]) {
                    end++;
                }
                boolean chosen = inputs[base + i] >= firstRegular && random.nextDouble() < settings.maskProbability();
                for (int j = i; chosen && j < end; j++) {
                    int token = inputs[base + j];
                    labels[base + j] = token;
                    double r = random.nextDouble();
                    if (r < 0.8) {
                        inputs[base + j] = mask;
                    } else if (r < 0.9) {
                        inputs[base + j] = firstRegular + random.nextInt(vocab - firstRegular);
                    }
                }
                i = end;
            }
        }
        int[] attention = new int[b * t];
        Arrays.fill(attention, 1);
        return new Batch(inputs, labels, attention);
    }

    /** Trains (resuming from {@code outDir/last} when present); evaluates masked-token accuracy on held-out text. */
    public Result run(TrainingListener... listeners) throws IOException {
        Trainer.Settings loop = Trainer.Settings.builder()
                .maxSteps(settings.maxSteps()).maxSeconds(settings.maxSeconds())
                .schedule(LrSchedule.warmupLinear(settings.learningRate(), settings.warmupSteps(), settings.maxSteps()))
                .beta1(0.9f).beta2(0.999f).eps(1e-6f).weightDecay(settings.weightDecay()).maxGradNorm(1f)
                .evalInterval(settings.evalInterval()).saveInterval(settings.evalInterval()).seed(settings.seed())
                .build();
        Trainer.Result result = new Trainer(this, loop, outDir).run(listeners);
        Map<String, Number> eval = result.lastEvaluation();
        return new Result(result.steps(), result.lastLoss(),
                eval.getOrDefault("masked_token_accuracy", Double.NaN).doubleValue(),
                eval.getOrDefault("val_loss", Double.NaN).doubleValue(), result.seconds(), result.tokensPerSecond());
    }

    @Override
    public BertForMaskedLM model() {
        return model;
    }

    @Override
    public Loss loss(int step, int micro, SplittableRandom random) {
        Batch batch = sample(train, random);
        return new Loss(model.loss(batch.inputs(), null, batch.attention(), batch.labels(), settings.batchSize(),
                settings.sequenceLength()), (long) settings.batchSize() * settings.sequenceLength());
    }

    /** {@code val_loss} and {@code masked_token_accuracy} on 20 fixed held-out batches, 50 at the end of the run. */
    @Override
    public Map<String, Number> evaluate(int step, boolean last) {
        double[] eval = heldOut(last ? 50 : 20);
        Map<String, Number> metrics = new LinkedHashMap<>();
        metrics.put("val_loss", eval[0]);
        metrics.put("masked_token_accuracy", eval[1]);
        return metrics;
    }

    /** {mean loss, masked-token accuracy} over {@code batches} fixed held-out batches. */
    private double[] heldOut(int batches) {
        double lossSum = 0;
        long correct = 0;
        long total = 0;
        SplittableRandom random = new SplittableRandom(settings.seed() + 424242);
        for (int i = 0; i < batches; i++) {
            Batch batch = sample(heldOut, random);
            try (var scope = Memory.scope()) {
                BertForMaskedLM.Prediction p = model.predictMasked(batch.inputs(), null, batch.attention(), batch.labels(),
                        settings.batchSize(), settings.sequenceLength());
                lossSum += F.crossEntropy(p.logits(), p.labels(), -100).item();
                int[] predicted = F.argmax(p.logits(), -1);
                for (int row = 0; row < predicted.length; row++) {
                    if (p.labels()[row] != -100) {
                        total++;
                        correct += predicted[row] == p.labels()[row] ? 1 : 0;
                    }
                }
            }
        }
        return new double[] {lossSum / batches, (double) correct / Math.max(1, total)};
    }

    /** The model (Hugging Face layout) with its tokenizer. */
    @Override
    public void save(Path directory) throws IOException {
        model.savePretrained(directory);
        tokenizer.save(directory);
    }

    @Override
    public void restore(Path directory) throws IOException {
        model.loadStateDict(BertForMaskedLM.fromPretrained(directory).stateDict(), true);
    }
}
