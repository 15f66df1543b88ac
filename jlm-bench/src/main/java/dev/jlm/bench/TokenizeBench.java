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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;

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
                    mbps(bytes, () -> texts.stream().map(t -> wordPiece.encode(t, null, options)).toList()),
                    mbps(bytes, () -> texts.stream().map(hf::encode).toList())));
            rows.add(new Row("wordpiece", Runtime.getRuntime().availableProcessors(),
                    mbps(bytes, () -> wordPiece.encodeBatch(texts, options)),
                    mbps(bytes, () -> batches(texts, hf::batchEncode))));
        }
        Tokenizer gpt2 = Tokenizers.load("gpt2");
        var jtokkit = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        EncodeOptions plain = EncodeOptions.DEFAULT.withoutSpecialTokens();
        rows.add(new Row("gpt2-bpe", 1,
                mbps(bytes, () -> texts.stream().map(t -> gpt2.encode(t, null, plain)).toList()),
                mbps(bytes, () -> texts.stream().map(jtokkit::encodeOrdinary).toList())));
        rows.add(new Row("gpt2-bpe", Runtime.getRuntime().availableProcessors(),
                mbps(bytes, () -> gpt2.encodeBatch(texts, plain)),
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

    /** Every text's result, encoded 256 texts per call. */
    private static <T> List<T> batches(List<String> texts, Function<List<String>, T[]> encode) {
        List<T> results = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += 256) {
            results.addAll(Arrays.asList(encode.apply(texts.subList(i, Math.min(texts.size(), i + 256)))));
        }
        return results;
    }

    /**
     * Best of five timed runs of {@code work}, which keeps every text's result as encodeBatch does, in MB/s. Warm-up
     * runs first, at least three of them and for at least a second: C2 compiles the per-text code only after 10,000
     * calls (the quick text has about 5,000 articles), and the heap grows to what the work needs. A full GC before
     * each timed run starts it on an empty young generation; otherwise the previous run's kept results are promoted
     * during this one, the heap keeps growing, and first touches of new heap pages (about 27 µs per 4 KiB page on the
     * virtual machines this runs on) outweigh the tokenizing.
     */
    private static double mbps(long bytes, Supplier<List<?>> work) {
        long warmUpStart = System.nanoTime();
        for (int run = 0; run < 3 || System.nanoTime() - warmUpStart < 1_000_000_000L; run++) {
            work.get();
        }
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long t0 = System.nanoTime();
            work.get();
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
