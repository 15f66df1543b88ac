package dev.jlm.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Encoding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench embed}: sentences per second for all-MiniLM-L6-v2 — batches of 32 real Reuters sentences (up to
 * 128 tokens), same tokenization — jlm against ONNX Runtime running the same ONNX file on all cores, same run.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Sentence embedding throughput, jlm vs ONNX Runtime.")
public final class EmbedBench implements Callable<Integer> {
    @Option(names = "--quick", description = "Fewer sentences (finishes within 60 s).")
    boolean quick;

    @Option(names = "--data", description = "Reuters-21578 folder or .tar.gz (default: " + BenchData.REUTERS_DEFAULT + ").")
    Path data;

    @Override
    public Integer call() throws Exception {
        Path source = BenchData.reuters(data);
        List<String> sentences = new ArrayList<>();
        int wanted = quick ? 640 : 3200;
        for (ReutersDocument d : Reuters21578.read(source)) {
            for (String s : d.body().replace('\n', ' ').split("(?<=\\.) +")) {
                if (s.length() > 20 && sentences.size() < wanted) {
                    sentences.add(s.strip());
                }
            }
        }
        SentenceEmbedder embedder = SentenceEmbedder.load(PretrainedModels.resolve("sentence-transformers/all-MiniLM-L6-v2"));
        EncodeOptions options = EncodeOptions.DEFAULT.withMaxLength(128, EncodeOptions.Truncation.LONGEST_FIRST);
        List<Encoding> encodings = embedder.tokenizer().encodeBatch(sentences, options);
        // Corpus order pads each batch to its longest sentence (jlm skips the padding, ONNX Runtime computes it);
        // length-sorted batches, as sentence-transformers' encode makes them, leave almost none: both sides get both.
        List<List<Encoding>> corpusOrder = batches(encodings, 32);
        List<List<Encoding>> sorted = batches(Arrays.stream(SentenceEmbedder.lengthOrder(encodings)).map(encodings::get).toList(), 32);
        double jlmCorpus = best(() -> runJlm(embedder, corpusOrder));
        double jlmSorted = best(() -> runJlm(embedder, sorted));
        byte[] onnx;
        try (InputStream in = PretrainedModels.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        sessionOptions.setIntraOpNumThreads(Parallel.THREADS);
        sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        double peerCorpus;
        double peerSorted;
        try (OrtSession session = env.createSession(onnx, sessionOptions)) {
            peerCorpus = best(() -> corpusOrder.forEach(batch -> runOrt(env, session, batch)));
            peerSorted = best(() -> sorted.forEach(batch -> runOrt(env, session, batch)));
        }
        int n = sentences.size();
        double ratio = peerCorpus / jlmCorpus;
        double sortedRatio = peerSorted / jlmSorted;
        System.out.printf("all-MiniLM-L6-v2, %,d Reuters sentences in batches of 32 (≤128 tokens), %d threads; "
                + "padding: %.0f%% of positions in corpus order, %.0f%% sorted by length%n", n, Parallel.THREADS,
                100 * paddingShare(corpusOrder), 100 * paddingShare(sorted));
        System.out.printf("%-22s %14s %14s %8s%n", "batches", "jlm sent/s", "ORT sent/s", "ratio");
        System.out.printf("%-22s %14.1f %14.1f %8.2f%n", "corpus order", n / jlmCorpus, n / peerCorpus, ratio);
        System.out.printf("%-22s %14.1f %14.1f %8.2f%n", "sorted by length", n / jlmSorted, n / peerSorted, sortedRatio);
        var out = new ObjectMapper().createObjectNode().put("bench", "embed")
                .put("jlm_sps", Math.round(n / jlmCorpus * 10) / 10.0).put("peer_sps", Math.round(n / peerCorpus * 10) / 10.0)
                .put("ratio", Math.round(ratio * 1000) / 1000.0)
                .put("sorted_jlm_sps", Math.round(n / jlmSorted * 10) / 10.0).put("sorted_peer_sps", Math.round(n / peerSorted * 10) / 10.0)
                .put("sorted_ratio", Math.round(sortedRatio * 1000) / 1000.0);
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    private static List<List<Encoding>> batches(List<Encoding> encodings, int size) {
        List<List<Encoding>> batches = new ArrayList<>();
        for (int i = 0; i < encodings.size(); i += size) {
            batches.add(encodings.subList(i, Math.min(encodings.size(), i + size)));
        }
        return batches;
    }

    private static double paddingShare(List<List<Encoding>> batches) {
        long positions = 0;
        long tokens = 0;
        for (List<Encoding> batch : batches) {
            positions += (long) batch.size() * batch.stream().mapToInt(Encoding::length).max().orElse(0);
            tokens += batch.stream().mapToInt(Encoding::length).sum();
        }
        return 1 - (double) tokens / positions;
    }

    private static void runJlm(SentenceEmbedder embedder, List<List<Encoding>> batches) {
        for (List<Encoding> batch : batches) {
            try (var off = GradMode.off(); var scope = Memory.scope()) {
                embedder.pool(embedder.encode(batch));
            }
        }
    }

    /** ONNX Runtime on the same padded batch, with the same mean pooling and normalization afterwards. */
    private static void runOrt(OrtEnvironment env, OrtSession session, List<Encoding> batch) {
        int b = batch.size();
        int t = batch.stream().mapToInt(Encoding::length).max().orElse(0);
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        for (int i = 0; i < b; i++) {
            Encoding e = batch.get(i);
            for (int j = 0; j < e.length(); j++) {
                ids[i * t + j] = e.ids()[j];
                mask[i * t + j] = 1;
                types[i * t + j] = e.typeIds()[j];
            }
        }
        long[] shape = {b, t};
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor typesT = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idsT, "attention_mask", maskT, "token_type_ids", typesT))) {
            float[][][] states = (float[][][]) result.get(0).getValue();
            int h = states[0][0].length;
            for (int i = 0; i < b; i++) {
                float[] v = new float[h];
                int count = 0;
                for (int j = 0; j < t; j++) {
                    if (mask[i * t + j] == 1) {
                        count++;
                        for (int k = 0; k < h; k++) {
                            v[k] += states[i][j][k];
                        }
                    }
                }
                double norm = 0;
                for (int k = 0; k < h; k++) {
                    v[k] /= count;
                    norm += v[k] * v[k];
                }
                if (norm == 0) {
                    throw new IllegalStateException("empty embedding");
                }
            }
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** Best of the timed passes (two with --quick, else three) after a warm-up pass, in seconds. */
    private double best(Runnable pass) {
        pass.run();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < (quick ? 2 : 3); i++) {
            long t0 = System.nanoTime();
            pass.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
