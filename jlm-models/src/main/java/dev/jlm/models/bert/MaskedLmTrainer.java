package dev.jlm.models.bert;

import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import dev.jlm.models.train.TrainingTask;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Masked-language-model pretraining (BERT's recipe): documents are tokenized into one stream, cut into random
 * windows wrapped in {@code [CLS] … [SEP]}, and 15% of the tokens (or of the words, with whole-word masking) are
 * chosen for prediction — 80% replaced by {@code [MASK]}, 10% by a random token, 10% left as they are. The
 * {@link Trainer} runs it: AdamW with linear warmup and decay, the latest model in the output folder, held-out loss and
 * masked-token accuracy at every checkpoint; batches and masks are drawn from the loop's per-step generators.
 */
public final class MaskedLmTrainer implements TrainingTask {
    /** Training settings; the run stops at {@code maxSteps} or after {@code maxSeconds}, whichever comes first. */
    public record Settings(int batchSize, int sequenceLength, int maxSteps, double maxSeconds, float learningRate,
                           int warmupSteps, float weightDecay, float maskProbability, boolean wholeWordMasking,
                           int evalInterval, long seed) {
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
        return new Result(result.steps(), result.lastLoss(), eval.getOrDefault("masked_token_accuracy", Double.NaN).doubleValue(),
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
