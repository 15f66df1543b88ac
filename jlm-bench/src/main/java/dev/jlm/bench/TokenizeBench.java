package dev.jlm.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.TokenizerTrainer;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code ./jlm bench tokenize}: encode throughput on Reuters-21578 article text, single-thread and all cores —
 * jlm's WordPiece against Hugging Face tokenizers (Rust, via DJL) and jlm's GPT-2 BPE against jtokkit — plus the time
 * to train an 8,000-token BPE vocabulary on the whole collection.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenizer throughput (MB/s) vs HF tokenizers and jtokkit; BPE training time on Reuters-21578.")
public final class TokenizeBench implements Callable<Integer> {
    @Option(names = "--quick", description = "A quarter of the text and a 2,000-token training run (within 60 s).")
    boolean quick;

    @Option(names = "--data", description = "Reuters-21578 folder or .tar.gz (default: " + BenchData.REUTERS_DEFAULT + ").")
    Path data;

    record Row(String tokenizer, int threads, double jlm, double peer) {
    }

    @Override
    public Integer call() throws Exception {
        List<String> articles = reutersBodies(BenchData.reuters(data));
        List<String> texts = quick ? articles.subList(0, articles.size() / 4) : articles;
        long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
        System.out.printf("Reuters-21578: %,d article bodies, %.1f MB (UTF-8)%n", texts.size(), bytes / 1e6);

        List<Row> rows = new ArrayList<>();
        Tokenizer wordPiece = Tokenizers.load("bert-base-uncased");
        Path bertJson = Files.createTempFile("bert-base-uncased", ".json");
        try (InputStream in = Tokenizers.class.getResourceAsStream("/dev/jlm/text/bert-base-uncased/tokenizer.json")) {
            Files.copy(in, bertJson, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        EncodeOptions options = EncodeOptions.DEFAULT;
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(bertJson, Map.of("padding", "false", "truncation", "false"))) {
            rows.add(new Row("wordpiece", 1,
                    mbps(bytes, () -> texts.forEach(t -> wordPiece.encode(t, null, options))),
                    mbps(bytes, () -> texts.forEach(hf::encode))));
            rows.add(new Row("wordpiece", Runtime.getRuntime().availableProcessors(),
                    mbps(bytes, () -> wordPiece.encodeBatch(texts, options)),
                    mbps(bytes, () -> batches(texts, batch -> hf.batchEncode(batch)))));
        }
        Tokenizer gpt2 = Tokenizers.load("gpt2");
        var jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        EncodeOptions plain = EncodeOptions.DEFAULT.withoutSpecialTokens();
        rows.add(new Row("gpt2-bpe", 1,
                mbps(bytes, () -> texts.forEach(t -> gpt2.encode(t, null, plain))),
                mbps(bytes, () -> texts.forEach(jtokkit::encodeOrdinary))));
        rows.add(new Row("gpt2-bpe", Runtime.getRuntime().availableProcessors(),
                mbps(bytes, () -> gpt2.encodeBatch(texts, plain)),
                // Both keep every text's result, as encodeBatch does.
                mbps(bytes, () -> texts.parallelStream().map(jtokkit::encodeOrdinary).toList())));

        int trainVocab = quick ? 2000 : 8000;
        long t0 = System.nanoTime();
        TokenizerTrainer.trainBpe(articles, trainVocab, 2, List.of("<|endoftext|>"), size -> { });
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode().put("bench", "tokenize");
        ArrayNode out = result.putArray("rows");
        double minRatio = Double.POSITIVE_INFINITY;
        System.out.printf("%-10s %7s %10s %10s %7s%n", "tokenizer", "threads", "jlm MB/s", "peer MB/s", "ratio");
        for (Row row : rows) {
            double ratio = row.jlm / row.peer;
            minRatio = Math.min(minRatio, ratio);
            System.out.printf("%-10s %7d %10.2f %10.2f %7.2f   (peer: %s)%n", row.tokenizer, row.threads, row.jlm, row.peer, ratio,
                    row.tokenizer.equals("wordpiece") ? "HF tokenizers via DJL" : "jtokkit");
            out.addObject().put("tokenizer", row.tokenizer).put("threads", row.threads)
                    .put("jlm_mbps", Math.round(row.jlm * 100) / 100.0).put("peer_mbps", Math.round(row.peer * 100) / 100.0)
                    .put("ratio", Math.round(ratio * 1000) / 1000.0);
        }
        System.out.printf("BPE training, %,d tokens on all of Reuters-21578: %.1f s%n", trainVocab, trainSeconds);
        result.put("min_ratio", Math.round(minRatio * 1000) / 1000.0);
        result.put("bpe_train_s", Math.round(trainSeconds * 10) / 10.0);
        result.put("bpe_train_vocab", trainVocab);
        System.out.println(json.writeValueAsString(result));
        return 0;
    }

    private static void batches(List<String> texts, Consumer<List<String>> encode) {
        for (int i = 0; i < texts.size(); i += 256) {
            encode.accept(texts.subList(i, Math.min(texts.size(), i + 256)));
        }
    }

    /** Best of three timed runs after one warm-up, in MB/s. */
    private static double mbps(long bytes, Runnable work) {
        work.run();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            work.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return bytes / 1e6 / best;
    }

    /** Article bodies of the 22 SGML files (Latin-1), entities decoded. */
    static List<String> reutersBodies(Path source) throws IOException {
        List<String> bodies = Reuters21578.read(source).stream().map(ReutersDocument::body).filter(b -> !b.isEmpty()).toList();
        if (bodies.isEmpty()) {
            throw new IOException(source + ": no <BODY> text in the Reuters-21578 files");
        }
        return bodies;
    }
}
