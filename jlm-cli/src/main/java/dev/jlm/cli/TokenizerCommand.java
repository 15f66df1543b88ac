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
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
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
        @Option(names = "--special-tokens", split = ",", paramLabel = "TOKEN",
                description = "BPE special tokens, comma-separated, ids from 0 (default: <|endoftext|>).")
        List<String> specialTokens;
        @Option(names = "--encoding", description = "Character encoding of the files (default: ${DEFAULT-VALUE}).")
        Charset encoding = StandardCharsets.UTF_8;
        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;
        @Parameters(arity = "1..*", paramLabel = "FILES", description = "Text files; each line is one training text.")
        List<Path> files;

        @Override
        public Integer call() throws Exception {
            if (type == Type.wordpiece && specialTokens != null) {
                throw new IllegalArgumentException("--special-tokens is for --type bpe (WordPiece has BERT's [PAD] [UNK] [CLS] [SEP] [MASK])");
            }
            List<String> texts = new ArrayList<>();
            for (Path file : files) {
                texts.addAll(lines(file, encoding));
            }
            long start = System.nanoTime();
            Tokenizer trained;
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("merges").setInitialMax(vocabSize)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).build()) {
                trained = type == Type.bpe
                        ? TokenizerTrainer.trainBpe(texts, vocabSize, minFrequency,
                                specialTokens == null ? List.of("<|endoftext|>") : specialTokens, bar::stepTo)
                        : TokenizerTrainer.trainWordPiece(texts, vocabSize, minFrequency, bar::stepTo);
            }
            trained.save(out);
            System.out.printf("trained a %s vocabulary of %,d tokens in %.1f s → %s%n", type, trained.vocabSize(),
                    (System.nanoTime() - start) / 1e9, out.resolve("tokenizer.json"));
            return 0;
        }

        /** The file's lines, each keeping its line break (which byte-level BPE learns tokens for), as HF's trainer reads. */
        private static List<String> lines(Path file, Charset encoding) throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new IOException(file + ": no such file");
            }
            String text;
            try {
                text = encoding.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(file + ": not " + encoding.name() + " text (pass --encoding, e.g. ISO-8859-1)");
            }
            List<String> lines = new ArrayList<>();
            for (int start = 0; start < text.length(); ) {
                int end = text.indexOf('\n', start);
                end = end < 0 ? text.length() : end + 1;
                lines.add(text.substring(start, end));
                start = end;
            }
            return lines;
        }
    }
}
