package dev.jlm.cli;

import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.MaskedLmCorpus;
import dev.jlm.models.bert.MaskedLmTrainer;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.train.TextCorpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm train ...}: pretraining jobs. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Pretrain a model from scratch.",
        subcommands = {TrainCommand.Gpt2.class, TrainCommand.BertMlm.class})
public final class TrainCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code jlm train gpt}: nanoGPT-style next-token pretraining. Flags mirror nanoGPT's settings. */
    @Command(name = "gpt", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Train a GPT on a text corpus (next-token prediction), nanoGPT style; resumes from --out/last.")
    public static final class Gpt2 implements Callable<Integer> {
        public static final String TITLE = "GPT pretraining";
        private static final GptTrainer.Settings DEFAULTS = GptTrainer.Settings.DEFAULTS;
        private static final GptConfig CPU_MODEL = cpuModel(1);

        @Option(names = "--data", description = "Text file or folder of .txt files (default: bundled tiny Shakespeare).")
        Path data;
        @Option(names = "--tokenizer", description = "char, or a tokenizer name or path (default: ${DEFAULT-VALUE}).")
        String tokenizer = "char";
        @Option(names = "--out", description = "Output folder: model, checkpoints, metrics, plot (default: ${DEFAULT-VALUE}).")
        Path out = Path.of("out", "gpt");
        @Option(names = "--model", description = "A pretrained GPT directory to train further instead of a new model (its "
                + "shape and tokenizer; the shape flags and --tokenizer are then not used); needed by --peft.")
        Path model;
        @Option(names = "--n-layer", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
        int nLayer = CPU_MODEL.nLayer();
        @Option(names = "--n-head", description = "Attention heads (default: ${DEFAULT-VALUE}).")
        int nHead = CPU_MODEL.nHead();
        @Option(names = "--n-embd", description = "Model width (default: ${DEFAULT-VALUE}).")
        int nEmbd = CPU_MODEL.nEmbd();
        @Option(names = "--block-size", description = "Context length (default: ${DEFAULT-VALUE}).")
        int blockSize = CPU_MODEL.blockSize();
        @Option(names = "--batch-size", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
        int batchSize = DEFAULTS.batchSize();
        @Option(names = "--gradient-accumulation-steps", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
        int accumulation = DEFAULTS.gradientAccumulationSteps();
        @Option(names = "--max-iters", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
        int maxIters = DEFAULTS.maxIters();
        @Option(names = "--lr-decay-iters", description = "Step where cosine decay reaches --min-lr (default: --max-iters).")
        Integer lrDecayIters;
        @Option(names = "--learning-rate", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
        float learningRate = DEFAULTS.learningRate();
        @Option(names = "--min-lr", description = "Final learning rate (default: ${DEFAULT-VALUE}).")
        float minLr = DEFAULTS.minLr();
        @Option(names = "--warmup-iters", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
        int warmupIters = DEFAULTS.warmupIters();
        @Option(names = "--dropout", description = "Dropout (default: ${DEFAULT-VALUE}).")
        float dropout = CPU_MODEL.dropout();
        @Option(names = "--bias", description = "Biases in Linear and LayerNorm layers (default: ${DEFAULT-VALUE}).")
        boolean bias = CPU_MODEL.bias();
        @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
        float weightDecay = DEFAULTS.weightDecay();
        @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
        float beta1 = DEFAULTS.beta1();
        @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
        float beta2 = DEFAULTS.beta2();
        @Option(names = "--grad-clip", description = "Clip gradients to this global norm, 0 = off (default: ${DEFAULT-VALUE}).")
        float gradClip = DEFAULTS.gradClip();
        @Option(names = "--eval-interval", description = "Steps between loss estimates and saves (default: ${DEFAULT-VALUE}).")
        int evalInterval = DEFAULTS.evalInterval();
        @Option(names = "--eval-iters", description = "Batches per loss estimate (default: ${DEFAULT-VALUE}).")
        int evalIters = DEFAULTS.evalIters();
        @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed = DEFAULTS.seed();
        @Option(names = "--quiet", description = "No progress bar.")
        boolean quiet;
        @Mixin
        PeftOptions peft = new PeftOptions();

        /** nanoGPT's shakespeare-char CPU model for a vocabulary: the default shape, and what quickstart trains. */
        static GptConfig cpuModel(int vocabSize) {
            return GptConfig.builder().vocabSize(vocabSize).blockSize(64).nLayer(4).nHead(4).nEmbd(128).dropout(0f).bias(false).build();
        }

        @Override
        public Integer call() throws Exception {
            if (maxIters < 1 || batchSize < 1 || blockSize < 1 || evalInterval < 1 || evalIters < 1) {
                throw new IllegalArgumentException("--max-iters, --batch-size, --block-size, --eval-interval and --eval-iters must be positive");
            }
            GptTrainer.Settings.Builder settings = GptTrainer.Settings.builder().batchSize(batchSize)
                    .gradientAccumulationSteps(accumulation).maxIters(maxIters).learningRate(learningRate).minLr(minLr)
                    .warmupIters(warmupIters).weightDecay(weightDecay).beta1(beta1).beta2(beta2).gradClip(gradClip)
                    .evalInterval(evalInterval).evalIters(evalIters).seed(seed);
            if (lrDecayIters != null) {
                settings.lrDecayIters(lrDecayIters);
            }
            String text = data == null ? TextCorpus.tinyShakespeare() : TextCorpus.read(data);
            if (peft.enabled() && model == null) {
                throw new IllegalArgumentException("--peft needs --model, the pretrained GPT to adapt");
            }
            GptTrainer trainer = model != null
                    ? GptTrainer.fromPretrained(model, text, peft.peftConfig("c_attn", List.of(), "CAUSAL_LM", true, model.toString()),
                            settings.build(), out)
                    : GptTrainer.onText(text, tokenizer, vocab -> GptConfig.builder().vocabSize(vocab).blockSize(blockSize)
                            .nLayer(nLayer).nHead(nHead).nEmbd(nEmbd).dropout(dropout).bias(bias).build(), settings.build(), out);
            LossPlot plot = new LossPlot(out.resolve("loss.png"), TITLE);
            GptTrainer.Result result = train(trainer, plot, quiet);
            System.out.printf("best val loss %.4f after %d steps (%.0f s, %,.0f tokens/s)%n", result.bestValLoss(),
                    result.iterations(), result.seconds(), result.tokensPerSecond());
            System.out.println((trainer.peft() != null ? "adapter: " : "model:   ") + result.bestModel());
            System.out.println("metrics: " + result.metrics());
            System.out.println("plot:    " + plot.file());
            return 0;
        }

        /** Prints the model's shape and size, then trains with a progress bar (unless quiet) and the plot. */
        static GptTrainer.Result train(GptTrainer trainer, LossPlot plot, boolean quiet) throws IOException {
            GptConfig config = trainer.model().config;
            System.out.printf("GPT: %d layers, %d heads, width %d, context %d, vocabulary %d — %,d parameters; %,d train / %,d val tokens%n",
                    config.nLayer(), config.nHead(), config.nEmbd(), config.blockSize(), config.vocabSize(),
                    trainer.model().parameterCount(), trainer.trainSplit().size(), trainer.valSplit().size());
            if (trainer.peft() != null) {
                System.out.println(trainer.peft().description() + ": " + trainer.peft().trainableParametersSummary());
            }
            try (TrainingProgress progress = new TrainingProgress(TITLE, !quiet, e -> String.format(
                    "step %d: train loss %.4f, val loss %.4f", e.step(), e.metrics().get("train_loss").floatValue(),
                    e.metrics().get("val_loss").floatValue()))) {
                return trainer.run(progress, plot);
            }
        }
    }

    /** {@code jlm train bert-mlm}: masked-language-model pretraining of a BERT from random initialization. */
    @Command(name = "bert-mlm", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Pretrain a BERT with masked-language modelling on text files (one document per line); resumes from --out/last.")
    public static final class BertMlm implements Callable<Integer> {
        public static final String TITLE = "BERT masked-LM pretraining";
        private static final MaskedLmTrainer.Settings DEFAULTS = MaskedLmTrainer.Settings.DEFAULTS;
        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "FILES", description = "UTF-8 text files, one document per line.")
        java.util.List<Path> data;
        @Option(names = "--data", description = "More text files (same as FILES).")
        java.util.List<Path> moreData = new java.util.ArrayList<>();
        @Option(names = "--tokenizer", description = "A WordPiece tokenizer (file, directory or bert-base-uncased); default: train one on the data.")
        String tokenizer;
        @Option(names = "--vocab-size", description = "WordPiece vocabulary to train when --tokenizer is not given (default: ${DEFAULT-VALUE}).")
        int vocabSize = 16000;
        @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
        Path out = Path.of("out", "bert-mlm");
        @Option(names = "--layers", description = "Encoder layers (default: ${DEFAULT-VALUE}).")
        int layers = 4;
        @Option(names = "--hidden-size", description = "Model width (default: ${DEFAULT-VALUE}).")
        int hidden = 256;
        @Option(names = "--heads", description = "Attention heads (default: ${DEFAULT-VALUE}).")
        int heads = 4;
        @Option(names = "--seq-len", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seqLen = DEFAULTS.sequenceLength();
        @Option(names = "--batch-size", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batchSize = DEFAULTS.batchSize();
        @Option(names = "--max-steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
        int maxSteps = DEFAULTS.maxSteps();
        @Option(names = "--minutes", description = "Stop after this many minutes (default: no limit).")
        double minutes = DEFAULTS.maxSeconds() / 60;
        @Option(names = "--learning-rate", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
        float learningRate = DEFAULTS.learningRate();
        @Option(names = "--warmup-steps", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
        int warmup = DEFAULTS.warmupSteps();
        @Option(names = "--mask-probability", description = "Share of tokens to predict (default: ${DEFAULT-VALUE}).")
        float maskProbability = DEFAULTS.maskProbability();
        @Option(names = "--whole-word-masking", description = "Mask whole words (a token and its ## pieces) together.")
        boolean wholeWordMasking = DEFAULTS.wholeWordMasking();
        @Option(names = "--eval-interval", description = "Steps between held-out evaluations and saves (default: ${DEFAULT-VALUE}).")
        int evalInterval = DEFAULTS.evalInterval();
        @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed = DEFAULTS.seed();
        @Option(names = "--quiet", description = "No progress bar.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            var settings = MaskedLmTrainer.Settings.builder().batchSize(batchSize).sequenceLength(seqLen).maxSteps(maxSteps)
                    .maxSeconds(minutes * 60).learningRate(learningRate).warmupSteps(warmup).maskProbability(maskProbability)
                    .wholeWordMasking(wholeWordMasking).evalInterval(evalInterval).seed(seed).build();
            java.util.List<Path> files = new java.util.ArrayList<>(data);
            files.addAll(moreData);
            MaskedLmCorpus corpus = MaskedLmCorpus.read(files);
            MaskedLmTrainer trainer = MaskedLmTrainer.onCorpus(corpus, tokenizer, vocabSize, vocab -> BertConfig.builder().vocabSize(vocab)
                    .hiddenSize(hidden).numHiddenLayers(layers).numAttentionHeads(heads).intermediateSize(4 * hidden)
                    .maxPositionEmbeddings(seqLen).build(), settings, out);
            System.out.printf("BERT: %d layers, width %d, %d heads, vocabulary %,d — %,d parameters; %,d training documents%n",
                    layers, hidden, heads, trainer.tokenizer().vocabSize(), trainer.model().parameterCount(), corpus.train().size());
            LossPlot plot = new LossPlot(out.resolve("loss.png"), TITLE);
            MaskedLmTrainer.Result result;
            try (TrainingProgress progress = new TrainingProgress(TITLE, !quiet, null)) {
                result = trainer.run(progress, plot);
            }
            System.out.printf("%d steps in %.0f s (%,.0f tokens/s): loss %.4f, held-out masked-token accuracy %.4f%n",
                    result.steps(), result.seconds(), result.tokensPerSecond(), result.finalLoss(), result.maskedAccuracy());
            System.out.println("model: " + out + "   plot: " + plot.file());
            return 0;
        }
    }
}
