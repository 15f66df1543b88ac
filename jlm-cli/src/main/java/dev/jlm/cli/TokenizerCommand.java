package dev.jlm.cli;

import dev.jlm.text.Tokenizer;
import dev.jlm.text.TokenizerTrainer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm tokenizer ...}: tokenizer tools. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Tokenizer tools.",
        subcommands = {TokenizerCommand.Train.class})
public final class TokenizerCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    enum Type { bpe, wordpiece }

    /** {@code jlm tokenizer train}: learn a vocabulary from text files. */
    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Train a byte-level BPE or WordPiece vocabulary; writes tokenizer.json and vocab files to --out.")
    public static final class Train implements Callable<Integer> {
        @Option(names = "--type", required = true, description = "bpe (GPT-2 style) or wordpiece (BERT style).")
        Type type;
        @Option(names = "--vocab-size", required = true, description = "Tokens in the vocabulary.")
        int vocabSize;
        @Option(names = "--min-frequency", description = "Merge only pairs seen at least this often (default: ${DEFAULT-VALUE}).")
        int minFrequency = 2;
        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;
        @Parameters(arity = "1..*", paramLabel = "FILES", description = "UTF-8 text files (one document per line is fine).")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            List<String> texts = new ArrayList<>();
            for (Path file : files) {
                texts.addAll(lines(file));
            }
            long start = System.nanoTime();
            Tokenizer trained;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("merges").setInitialMax(vocabSize)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).build()) {
                trained = type == Type.bpe
                        ? TokenizerTrainer.trainBpe(texts, vocabSize, minFrequency, List.of("<|endoftext|>"), bar::stepTo)
                        : TokenizerTrainer.trainWordPiece(texts, vocabSize, minFrequency, bar::stepTo);
            }
            trained.save(out);
            System.out.printf("trained a %s vocabulary of %,d tokens in %.1f s → %s%n", type, trained.vocabSize(),
                    (System.nanoTime() - start) / 1e9, out.resolve("tokenizer.json"));
            return 0;
        }

        private static List<String> lines(Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IOException(file + ": no such file");
            }
            try {
                String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
                return List.of(text.split("\n"));
            } catch (CharacterCodingException e) {
                throw new IOException(file + ": not UTF-8 text");
            }
        }
    }
}
