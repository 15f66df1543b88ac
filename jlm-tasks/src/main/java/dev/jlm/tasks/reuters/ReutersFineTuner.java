package dev.jlm.tasks.reuters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertForSequenceClassification;
import dev.jlm.models.bert.PaddedBatch;
import dev.jlm.models.peft.LoraModel;
import dev.jlm.models.peft.PeftConfig;
import dev.jlm.models.peft.PeftModel;
import dev.jlm.models.train.EpochOrder;
import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import dev.jlm.models.train.TrainingTask;
import dev.jlm.tasks.metrics.ClassificationMetrics;
import dev.jlm.tensor.F;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.optim.LrSchedule;
import dev.jlm.tensor.optim.ParamGroup;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Multi-label topic classification by fine-tuning a BERT encoder ({@code BertForSequenceClassification}: mean-pooled
 * tokens or pooled {@code [CLS]}, sigmoid outputs, binary cross-entropy) on Reuters-21578: AdamW with linear warmup and
 * decay, the freshly initialized head at a higher learning rate than the pretrained encoder, its biases starting at each
 * category's log-odds in the training documents. Every tenth training document is held out to choose the decision
 * thresholds (and to report micro-F1 after each epoch); the test set is only ever scored. The output folder holds the
 * model (HF layout), its tokenizer and {@value #LABELS_FILE}.
 *
 * <p>With {@link Settings#peft} the encoder stays frozen and LoRA adapters or a soft prompt train instead (the head
 * whole, as PEFT's modules_to_save); the output folder then holds the PEFT adapter folder in place of the model.
 */
public final class ReutersFineTuner implements TrainingTask {
    /** Category names, thresholds and the truncation length, next to the fine-tuned model. */
    public static final String LABELS_FILE = "reuters_labels.json";

    /**
     * Fine-tuning settings, built by name; the defaults fine-tune all-MiniLM-L6-v2: 8 epochs of 32 documents of up
     * to 128 tokens, mean pooling, learning rate 1e-4 (the new head's 10× that) after 6% of the steps of warmup.
     */
    public static final class Settings {
        private final int epochs;
        private final int batchSize;
        private final float learningRate;
        private final float headLearningRateScale;
        private final int maxLength;
        private final BertForSequenceClassification.Pooling pooling;
        private final float warmupRatio;
        private final float weightDecay;
        private final double maxSeconds;
        private final long seed;
        private final PeftConfig peft;

        private Settings(Builder b) {
            this.epochs = b.epochs;
            this.batchSize = b.batchSize;
            this.learningRate = b.learningRate;
            this.headLearningRateScale = b.headLearningRateScale;
            this.maxLength = b.maxLength;
            this.pooling = b.pooling;
            this.warmupRatio = b.warmupRatio;
            this.weightDecay = b.weightDecay;
            this.maxSeconds = b.maxSeconds;
            this.seed = b.seed;
            this.peft = b.peft;
        }

        /** The defaults, for callers that show or start from them. */
        public static final Settings DEFAULTS = builder().build();

        public static Builder builder() {
            return new Builder();
        }

        public int epochs() {
            return epochs;
        }

        /** Documents per step. */
        public int batchSize() {
            return batchSize;
        }

        /** The encoder's peak learning rate, decayed linearly to 0 over all epochs. */
        public float learningRate() {
            return learningRate;
        }

        /** The pooler's and classifier's learning rate as a multiple of the encoder's. */
        public float headLearningRateScale() {
            return headLearningRateScale;
        }

        /** Tokens per document ([CLS] and [SEP] included); longer documents are truncated. */
        public int maxLength() {
            return maxLength;
        }

        public BertForSequenceClassification.Pooling pooling() {
            return pooling;
        }

        /** The share of all steps spent warming up. */
        public float warmupRatio() {
            return warmupRatio;
        }

        public float weightDecay() {
            return weightDecay;
        }

        /** Training stops early after this long. */
        public double maxSeconds() {
            return maxSeconds;
        }

        public long seed() {
            return seed;
        }

        /** The LoRA adapters to train instead of the whole encoder, or null for full fine-tuning. */
        public PeftConfig peft() {
            return peft;
        }

        public static final class Builder {
            private int epochs = 8;
            private int batchSize = 32;
            private float learningRate = 1e-4f;
            private float headLearningRateScale = 10f;
            private int maxLength = 128;
            private BertForSequenceClassification.Pooling pooling = BertForSequenceClassification.Pooling.MEAN;
            private float warmupRatio = 0.06f;
            private float weightDecay = 0.01f;
            private double maxSeconds = Double.POSITIVE_INFINITY;
            private long seed = 42;
            private PeftConfig peft;

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

            public Builder learningRate(float learningRate) {
                this.learningRate = learningRate;
                return this;
            }

            public Builder headLearningRateScale(float headLearningRateScale) {
                this.headLearningRateScale = headLearningRateScale;
                return this;
            }

            public Builder maxLength(int maxLength) {
                this.maxLength = maxLength;
                return this;
            }

            public Builder pooling(BertForSequenceClassification.Pooling pooling) {
                this.pooling = pooling;
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

            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            /** Trains LoRA adapters as {@code config} says (null: the whole model). */
            public Builder peft(PeftConfig config) {
                this.peft = config;
                return this;
            }

            public Settings build() {
                if (epochs < 1 || batchSize < 1 || maxLength < 3) {
                    throw new IllegalArgumentException("epochs and batchSize must be positive, maxLength at least 3");
                }
                if (!(learningRate > 0) || !(headLearningRateScale > 0)) {
                    throw new IllegalArgumentException("learningRate and headLearningRateScale must be positive");
                }
                return new Settings(this);
            }
        }
    }

    /** What a finished run reports: the test evaluation and the training figures. */
    public record Result(ClassificationMetrics.Report report, int steps, double seconds, double tokensPerSecond,
                         float finalLoss) {
    }

    /** A fine-tuned classifier: model, tokenizer, categories and their thresholds. */
    public record Classifier(BertForSequenceClassification model, Tokenizer tokenizer, List<String> categories,
                             double[] thresholds, int maxLength) {

        /** Per document, each category's probability. */
        public double[][] probabilities(List<ReutersDocument> documents, int batchSize) {
            List<Encoding> encodings = encode(tokenizer, documents, maxLength);
            double[][] out = new double[documents.size()][];
            Integer[] byLength = IntStream.range(0, documents.size()).boxed().toArray(Integer[]::new);
            Arrays.sort(byLength, Comparator.comparingInt(i -> encodings.get(i).length()));
            boolean wasTraining = model.isTraining();
            model.eval();
            try (var off = GradMode.off()) {
                for (int from = 0; from < byLength.length; from += batchSize) {
                    List<Encoding> chunk = new ArrayList<>();
                    for (int i = from; i < Math.min(byLength.length, from + batchSize); i++) {
                        chunk.add(encodings.get(byLength[i]));
                    }
                    PaddedBatch batch = pad(chunk);
                    try (var scope = Memory.scope()) {
                        float[] p = F.sigmoid(model.forward(batch.ids(), batch.typeIds(), batch.attention(), batch.size(),
                                batch.length())).toArray();
                        int classes = categories.size();
                        for (int b = 0; b < chunk.size(); b++) {
                            double[] row = new double[classes];
                            for (int c = 0; c < classes; c++) {
                                row[c] = p[b * classes + c];
                            }
                            out[byLength[from + b]] = row;
                        }
                    }
                }
            } finally {
                model.train(wasTraining);
            }
            return out;
        }

        /** Micro/macro P/R/F1 and the per-category table on {@code documents}. */
        public ClassificationMetrics.Report evaluate(List<ReutersDocument> documents, int batchSize) {
            boolean[][] predicted = MultiLabelDecisions.assign(probabilities(documents, batchSize), thresholds);
            return ClassificationMetrics.multiLabel(categories, MultiLabelDecisions.labels(documents, categories), predicted);
        }

        public void save(Path directory) throws IOException {
            model.savePretrained(directory);
            saveTokenizerAndLabels(directory);
        }

        /**
         * Writes {@code adapter}'s PEFT folder (recording {@code baseModel}), the tokenizer and the labels — the base
         * model stays where it is; {@link #load(Path, Path)} puts the two together again.
         */
        public void saveAdapter(Path directory, PeftModel adapter, String baseModel) throws IOException {
            adapter.save(directory, baseModel);
            saveTokenizerAndLabels(directory);
        }

        private void saveTokenizerAndLabels(Path directory) throws IOException {
            tokenizer.save(directory);
            Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("categories", categories);
            labels.put("thresholds", thresholds);
            labels.put("max_length", maxLength);
            labels.put("pooling", model.pooling.name().toLowerCase(java.util.Locale.ROOT));
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(directory.resolve(LABELS_FILE).toFile(), labels);
        }

        /** A folder written by {@link #save}. */
        public static Classifier load(Path directory) throws IOException {
            return load(directory, null);
        }

        /**
         * The base encoder in {@code base} with the adapter folder {@link #saveAdapter} wrote in {@code adapter} merged
         * into it (labels and tokenizer are the adapter folder's); with a null {@code adapter}, {@link #load(Path)}.
         */
        public static Classifier load(Path base, Path adapter) throws IOException {
            Path directory = adapter != null ? adapter : base;
            Path labelsFile = directory.resolve(LABELS_FILE);
            if (!Files.isRegularFile(labelsFile)) {
                throw new IOException(directory + ": no " + LABELS_FILE + " (not a model from 'jlm finetune reuters')");
            }
            JsonNode labels = new ObjectMapper().readTree(labelsFile.toFile());
            List<String> categories = new ArrayList<>();
            labels.path("categories").forEach(c -> categories.add(c.asText()));
            double[] thresholds = new double[labels.path("thresholds").size()];
            for (int c = 0; c < thresholds.length; c++) {
                thresholds[c] = labels.path("thresholds").get(c).asDouble();
            }
            if (categories.isEmpty() || thresholds.length != categories.size() || !labels.path("max_length").canConvertToInt()) {
                throw new IOException(labelsFile + ": needs \"categories\", as many \"thresholds\" and \"max_length\"");
            }
            BertForSequenceClassification model;
            if (adapter == null) {
                model = BertForSequenceClassification.fromPretrained(directory, true);
            } else {
                String poolingName = labels.path("pooling").asText("mean");
                BertForSequenceClassification.Pooling pooling = switch (poolingName) {
                    case "mean" -> BertForSequenceClassification.Pooling.MEAN;
                    case "cls" -> BertForSequenceClassification.Pooling.CLS;
                    default -> throw new IOException(labelsFile + ": pooling is '" + poolingName + "', expected cls or mean");
                };
                Bert encoder = Bert.fromPretrained(base, pooling == BertForSequenceClassification.Pooling.CLS, 0);
                model = new BertForSequenceClassification(encoder, categories.size(), true, pooling, 0);
                // LoRA merged: the classifier only predicts, and then at the base model's speed.
                if (PeftModel.load(model, adapter) instanceof LoraModel lora) {
                    lora.mergeAndUnload();
                }
            }
            if (model.classifier.bias.numel() != categories.size()) {
                throw new IOException(labelsFile + ": " + categories.size() + " categories but the classifier has "
                        + model.classifier.bias.numel() + " outputs");
            }
            return new Classifier(model, Tokenizers.load(directory.resolve("tokenizer.json").toString()), categories,
                    thresholds, labels.get("max_length").asInt());
        }
    }

    private final BertForSequenceClassification model;
    /** The adapters (LoRA or a soft prompt) when training with PEFT, else null. */
    private final PeftModel peft;
    private final String baseModel;
    private final Tokenizer tokenizer;
    private final List<String> categories;
    private final List<ReutersDocument> validationDocuments;
    private final List<Encoding> trainEncodings;
    private final boolean[][] trainLabels;
    private final Settings settings;
    private final Path outDir;
    private final EpochOrder order;
    /** The step count the model stands at in this run (-1 before its first step), to key {@link #validation} by. */
    private int trainedSteps = -1;
    /** The validation slice's probabilities under the model after {@link #validatedAt} steps. */
    private double[][] validation;
    private int validatedAt = -1;

    /**
     * A fresh head on the encoder in {@code pretrained} (for [CLS] pooling, a pooler is added when the checkpoint has
     * none), for the split's categories; every tenth training document goes to the validation slice.
     */
    public ReutersFineTuner(Path pretrained, Tokenizer tokenizer, Reuters21578.ModApte split, Settings settings, Path outDir)
            throws IOException {
        boolean cls = settings.pooling() == BertForSequenceClassification.Pooling.CLS;
        Bert encoder = Bert.fromPretrained(pretrained, cls, settings.seed());
        this.model = new BertForSequenceClassification(encoder, split.categories().size(), true, settings.pooling(),
                settings.seed());
        this.tokenizer = tokenizer;
        this.categories = split.categories();
        this.settings = settings;
        this.outDir = outDir;
        List<ReutersDocument> fit = new ArrayList<>();
        List<ReutersDocument> held = new ArrayList<>();
        for (int i = 0; i < split.train().size(); i++) {
            (i % 10 == 9 ? held : fit).add(split.train().get(i));
        }
        this.validationDocuments = held;
        this.trainEncodings = encode(tokenizer, fit, settings.maxLength());
        this.trainLabels = MultiLabelDecisions.labels(fit, categories);
        model.classifier.bias.assign(Tensor.of(logOdds(trainLabels, categories.size()), categories.size()));
        this.baseModel = pretrained.toString();
        this.peft = settings.peft() == null ? null : PeftModel.wrap(model, settings.peft(), settings.seed());
        this.order = new EpochOrder(fit.size(), settings.batchSize(), settings.seed());
    }

    /**
     * Each category's log-odds among the training documents (smoothed by half a document), so the head starts from the
     * base rates instead of spending its first steps pushing 90 mostly-negative outputs down (Lin et al.'s prior
     * initialization for imbalanced classes).
     */
    static float[] logOdds(boolean[][] labels, int categories) {
        float[] out = new float[categories];
        for (int c = 0; c < categories; c++) {
            int positives = 0;
            for (boolean[] row : labels) {
                positives += row[c] ? 1 : 0;
            }
            double p = (positives + 0.5) / (labels.length + 1.0);
            out[c] = (float) Math.log(p / (1 - p));
        }
        return out;
    }

    static List<Encoding> encode(Tokenizer tokenizer, List<ReutersDocument> documents, int maxLength) {
        return tokenizer.encodeBatch(documents.stream().map(ReutersDocument::text).toList(),
                EncodeOptions.DEFAULT.withMaxLength(maxLength, EncodeOptions.Truncation.LONGEST_FIRST));
    }

    @Override
    public int stepsPerEpoch() {
        return order.stepsPerEpoch();
    }

    /**
     * Trains (resuming from {@code outDir/last}), with the validation slice's micro-F1 after every epoch; saves the
     * classifier (thresholds chosen on the validation slice) at every checkpoint and scores {@code test} with the last.
     */
    public Result run(List<ReutersDocument> test, TrainingListener... listeners) throws IOException {
        int totalSteps = settings.epochs() * stepsPerEpoch();
        Trainer.Settings loop = Trainer.Settings.builder()
                .maxSteps(totalSteps).maxSeconds(settings.maxSeconds())
                .schedule(LrSchedule.warmupLinear(settings.learningRate(), Math.round(settings.warmupRatio() * totalSteps),
                        totalSteps))
                .beta1(0.9f).beta2(0.999f).eps(1e-8f).weightDecay(settings.weightDecay()).maxGradNorm(1f)
                .evalInterval(stepsPerEpoch()).saveInterval(stepsPerEpoch()).seed(settings.seed())
                .build();
        Trainer.Result result = new Trainer(this, loop, outDir).run(listeners);
        return new Result(classifier(result.steps()).evaluate(test, 16), result.steps(), result.seconds(),
                result.tokensPerSecond(), result.lastLoss());
    }

    @Override
    public BertForSequenceClassification model() {
        return model;
    }

    @Override
    public Loss loss(int step, int micro, SplittableRandom random) {
        int[] rows = order.batch(step);
        List<Encoding> encodings = new ArrayList<>();
        float[] targets = new float[rows.length * categories.size()];
        for (int b = 0; b < rows.length; b++) {
            encodings.add(trainEncodings.get(rows[b]));
            for (int c = 0; c < categories.size(); c++) {
                targets[b * categories.size() + c] = trainLabels[rows[b]][c] ? 1f : 0f;
            }
        }
        PaddedBatch batch = pad(encodings);
        trainedSteps = step + 1;
        Tensor logits = model.forward(batch.ids(), batch.typeIds(), batch.attention(), batch.size(), batch.length());
        return new Loss(model.loss(logits, Tensor.of(targets, rows.length, categories.size())), batch.tokens());
    }

    /** {@code epoch} and {@code val_micro_f1}, micro-F1 on the validation slice. */
    @Override
    public Map<String, Number> evaluate(int step, boolean last) {
        Map<String, Number> metrics = new LinkedHashMap<>();
        int epochSteps = stepsPerEpoch();
        metrics.put("epoch", step % epochSteps == 0 ? (Number) (step / epochSteps) : (double) step / epochSteps);
        metrics.put("val_micro_f1", validationMicroF1(validationProbabilities(step)));
        return metrics;
    }

    /** The adapters when training with PEFT (their trainable and total parameter counts), else null. */
    public PeftModel peft() {
        return peft;
    }

    /** The classifier (or with PEFT its adapter folder), its thresholds chosen on the validation slice. */
    @Override
    public void save(Path directory) throws IOException {
        if (peft != null) {
            classifier(trainedSteps).saveAdapter(directory, peft, baseModel);
        } else {
            classifier(trainedSteps).save(directory);
        }
    }

    @Override
    public void restore(Path directory) throws IOException {
        if (peft != null) {
            peft.loadWeights(directory);
        } else {
            model.loadStateDict(BertForSequenceClassification.fromPretrained(directory, true).stateDict(), true);
        }
    }

    /** The model as it stands after {@code step} steps, with thresholds chosen for it on the validation slice. */
    private Classifier classifier(int step) {
        return new Classifier(model, tokenizer, categories, thresholds(validationProbabilities(step)), settings.maxLength());
    }

    /** Per validation document, each category's probability after {@code step} steps; computed once per step. */
    private double[][] validationProbabilities(int step) {
        if (step != validatedAt) {
            validation = new Classifier(model, tokenizer, categories, new double[0], settings.maxLength())
                    .probabilities(validationDocuments, 16);
            validatedAt = step;
        }
        return validation;
    }

    private double[] thresholds(double[][] validationProbabilities) {
        return MultiLabelDecisions.chooseThresholds(validationProbabilities,
                MultiLabelDecisions.labels(validationDocuments, categories), MultiLabelDecisions.Thresholds.PER_CATEGORY);
    }

    /** Micro-F1 on the validation slice with thresholds tuned on it: optimistic, but it shows whether training still helps. */
    private double validationMicroF1(double[][] probabilities) {
        boolean[][] predicted = MultiLabelDecisions.assign(probabilities, thresholds(probabilities));
        return ClassificationMetrics.multiLabel(categories, MultiLabelDecisions.labels(validationDocuments, categories), predicted)
                .microF1();
    }

    /**
     * The encoder's trainable matrices (decayed) and other tensors at the base rate; the new head at the scaled rate.
     * Frozen tensors (the base under LoRA) are left out.
     */
    @Override
    public List<ParamGroup> parameterGroups(float weightDecay) {
        List<List<String>> names = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<List<Tensor>> params = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        model.namedParameters().forEach((name, p) -> {
            if (!p.requiresGrad()) {
                return;
            }
            boolean head = name.startsWith("classifier.") || name.startsWith("bert.pooler.");
            int group = (head ? 2 : 0) + (p.dim() >= 2 ? 0 : 1);
            names.get(group).add(name);
            params.get(group).add(p);
        });
        float headScale = settings.headLearningRateScale();
        return List.of(new ParamGroup(names.get(0), params.get(0), weightDecay),
                new ParamGroup(names.get(1), params.get(1), 0f),
                new ParamGroup(names.get(2), params.get(2), weightDecay, headScale),
                new ParamGroup(names.get(3), params.get(3), 0f, headScale));
    }

    private static PaddedBatch pad(List<Encoding> encodings) {
        return PaddedBatch.of(encodings.stream().map(Encoding::ids).toList(), encodings.stream().map(Encoding::typeIds).toList());
    }
}
