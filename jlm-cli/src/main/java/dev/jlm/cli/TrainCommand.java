package dev.jlm.cli;

import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.train.TextCorpus;
import dev.jlm.text.CharTokenizer;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
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
        @Option(names = "--data", description = "Text file or folder of .txt files (default: bundled tiny Shakespeare).")
        Path data;
        @Option(names = "--tokenizer", description = "char, or a tokenizer name or path (default: ${DEFAULT-VALUE}).")
        String tokenizer = "char";
        @Option(names = "--out", description = "Output folder: model, checkpoints, metrics, plot (default: ${DEFAULT-VALUE}).")
        Path out = Path.of("out", "gpt");
        @Option(names = "--n-layer", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
        int nLayer = 4;
        @Option(names = "--n-head", description = "Attention heads (default: ${DEFAULT-VALUE}).")
        int nHead = 4;
        @Option(names = "--n-embd", description = "Model width (default: ${DEFAULT-VALUE}).")
        int nEmbd = 128;
        @Option(names = "--block-size", description = "Context length (default: ${DEFAULT-VALUE}).")
        int blockSize = 64;
        @Option(names = "--batch-size", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).")
        int batchSize = 12;
        @Option(names = "--gradient-accumulation-steps", description = "Micro-batches per step (default: ${DEFAULT-VALUE}).")
        int accumulation = 1;
        @Option(names = "--max-iters", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
        int maxIters = 2000;
        @Option(names = "--lr-decay-iters", description = "Step where cosine decay reaches --min-lr (default: --max-iters).")
        Integer lrDecayIters;
        @Option(names = "--learning-rate", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
        float learningRate = 1e-3f;
        @Option(names = "--min-lr", description = "Final learning rate (default: ${DEFAULT-VALUE}).")
        float minLr = 1e-4f;
        @Option(names = "--warmup-iters", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
        int warmupIters = 100;
        @Option(names = "--dropout", description = "Dropout (default: ${DEFAULT-VALUE}).")
        float dropout = 0f;
        @Option(names = "--bias", description = "Biases in Linear and LayerNorm layers (default: ${DEFAULT-VALUE}).")
        boolean bias;
        @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default: ${DEFAULT-VALUE}).")
        float weightDecay = 0.1f;
        @Option(names = "--beta1", description = "AdamW beta1 (default: ${DEFAULT-VALUE}).")
        float beta1 = 0.9f;
        @Option(names = "--beta2", description = "AdamW beta2 (default: ${DEFAULT-VALUE}).")
        float beta2 = 0.99f;
        @Option(names = "--grad-clip", description = "Clip gradients to this global norm, 0 = off (default: ${DEFAULT-VALUE}).")
        float gradClip = 1f;
        @Option(names = "--eval-interval", description = "Steps between loss estimates and saves (default: ${DEFAULT-VALUE}).")
        int evalInterval = 250;
        @Option(names = "--eval-iters", description = "Batches per loss estimate (default: ${DEFAULT-VALUE}).")
        int evalIters = 20;
        @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed = 1337;
        @Option(names = "--quiet", description = "No progress bar.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            GptTrainer.Result result = train(this);
            System.out.printf("best val loss %.4f after %d steps (%.0f s, %,.0f tokens/s)%n", result.bestValLoss(),
                    result.iterations(), result.seconds(), result.tokensPerSecond());
            System.out.println("model:   " + result.bestModel());
            System.out.println("metrics: " + result.metrics());
            System.out.println("plot:    " + result.plot());
            return 0;
        }

        static GptTrainer.Result train(Gpt2 o) throws Exception {
            if (o.maxIters < 1 || o.batchSize < 1 || o.blockSize < 1 || o.evalInterval < 1 || o.evalIters < 1) {
                throw new IllegalArgumentException("--max-iters, --batch-size, --block-size, --eval-interval and --eval-iters must be positive");
            }
            String text = o.data == null ? TextCorpus.tinyShakespeare() : TextCorpus.read(o.data);
            Path last = GptTrainer.lastCheckpoint(o.out);
            Tokenizer tokenizer;
            if (Files.isDirectory(last)) {
                tokenizer = Tokenizers.load(last.toString());
            } else if (o.tokenizer.equals("char")) {
                tokenizer = CharTokenizer.train(text);
            } else {
                tokenizer = Tokenizers.load(o.tokenizer);
            }
            TextCorpus.Splits splits = TextCorpus.prepare(text, tokenizer, o.out);
            GptConfig config = GptConfig.of(tokenizer.vocabSize(), o.blockSize, o.nLayer, o.nHead, o.nEmbd, o.dropout, o.bias);
            Gpt model = new Gpt(config, o.seed);
            GptTrainer.Settings settings = new GptTrainer.Settings(o.batchSize, o.accumulation, o.maxIters,
                    o.lrDecayIters == null ? o.maxIters : o.lrDecayIters, o.learningRate, o.minLr, o.warmupIters,
                    o.weightDecay, o.beta1, o.beta2, o.gradClip, o.evalInterval, o.evalIters, o.seed, false);
            System.out.printf("GPT: %d layers, %d heads, width %d, context %d, vocabulary %d — %,d parameters; %,d train / %,d val tokens%n",
                    o.nLayer, o.nHead, o.nEmbd, o.blockSize, tokenizer.vocabSize(), model.parameterCount(),
                    splits.train().size(), splits.val().size());
            return new GptTrainer(model, tokenizer, splits.train(), splits.val(), settings, o.out).run(!o.quiet);
        }
    }

    /** {@code jlm train bert-mlm}: masked-language-model pretraining of a BERT from random initialization. */
    @Command(name = "bert-mlm", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Pretrain a BERT with masked-language modelling on text files (one document per line); resumes from --out/last.")
    public static final class BertMlm implements Callable<Integer> {
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
        int seqLen = 128;
        @Option(names = "--batch-size", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batchSize = 32;
        @Option(names = "--max-steps", description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
        int maxSteps = 10000;
        @Option(names = "--minutes", description = "Stop after this many minutes (default: no limit).")
        double minutes = Double.POSITIVE_INFINITY;
        @Option(names = "--learning-rate", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
        float learningRate = 5e-4f;
        @Option(names = "--warmup-steps", description = "Linear warmup steps (default: ${DEFAULT-VALUE}).")
        int warmup = 200;
        @Option(names = "--mask-probability", description = "Share of tokens to predict (default: ${DEFAULT-VALUE}).")
        float maskProbability = 0.15f;
        @Option(names = "--whole-word-masking", description = "Mask whole words (a token and its ## pieces) together.")
        boolean wholeWordMasking;
        @Option(names = "--eval-interval", description = "Steps between held-out evaluations and saves (default: ${DEFAULT-VALUE}).")
        int evalInterval = 500;
        @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed = 1337;
        @Option(names = "--quiet", description = "No progress bar.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            java.util.List<String> texts = new java.util.ArrayList<>();
            java.util.List<Path> files = new java.util.ArrayList<>(data);
            files.addAll(moreData);
            for (Path file : files) {
                for (String line : TextCorpus.read(file).split("\n")) {
                    if (!line.isBlank()) {
                        texts.add(line);
                    }
                }
            }
            int cut = Math.max(1, (int) (texts.size() * 0.95));
            if (cut >= texts.size()) {
                throw new IllegalArgumentException("need at least two documents (lines) to keep some for evaluation");
            }
            java.util.List<String> train = texts.subList(0, cut);
            java.util.List<String> heldOut = texts.subList(cut, texts.size());
            Path last = out.resolve("last");
            dev.jlm.text.Tokenizer tok = Files.isDirectory(last) ? Tokenizers.load(last.toString())
                    : tokenizer != null ? Tokenizers.load(tokenizer)
                    : dev.jlm.text.TokenizerTrainer.trainWordPiece(train, vocabSize, 2, size -> { });
            var config = new dev.jlm.models.bert.BertConfig(tok.vocabSize(), hidden, layers, heads, 4 * hidden, "gelu", 0.1f, 0.1f,
                    seqLen, 2, 1e-12f);
            var model = new dev.jlm.models.bert.BertForMaskedLM(config, seed);
            var settings = new dev.jlm.models.bert.MaskedLmTrainer.Settings(batchSize, seqLen, maxSteps, minutes * 60,
                    learningRate, warmup, 0.01f, maskProbability, wholeWordMasking, evalInterval, seed);
            System.out.printf("BERT: %d layers, width %d, %d heads, vocabulary %,d — %,d parameters; %,d training documents%n",
                    layers, hidden, heads, tok.vocabSize(), model.parameterCount(), train.size());
            var result = new dev.jlm.models.bert.MaskedLmTrainer(model, tok, train, heldOut, settings, out).run(!quiet);
            System.out.printf("%d steps in %.0f s (%,.0f tokens/s): loss %.4f, held-out masked-token accuracy %.4f%n",
                    result.steps(), result.seconds(), result.tokensPerSecond(), result.finalLoss(), result.maskedAccuracy());
            System.out.println("model: " + out + "   plot: " + result.plot());
            return 0;
        }
    }
}
