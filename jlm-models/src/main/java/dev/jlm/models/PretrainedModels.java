package dev.jlm.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.models.onnx.OnnxBertImport;
import dev.jlm.models.onnx.OnnxModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Model names that work offline. {@code sentence-transformers/all-MiniLM-L6-v2} and {@code BAAI/bge-small-en-v1.5}
 * ship as ONNX files inside Maven jars on jlm's class path; the first use converts one into a Hugging Face layout
 * directory under {@code ~/.cache/jlm/models} (or {@code $JLM_CACHE/models}, or the {@code jlm.cache} system
 * property's), which later uses read directly.
 * Any other argument is taken as a model directory.
 */
public final class PretrainedModels {
    /** A model shipped in a jar: its resources and how sentence-transformers pools it. */
    private record Shipped(String onnx, String tokenizer, SentenceEmbedder.Pooling pooling) {
    }

    private static final Map<String, Shipped> SHIPPED = Map.of(
            "sentence-transformers/all-MiniLM-L6-v2",
            new Shipped("/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", SentenceEmbedder.Pooling.MEAN),
            "BAAI/bge-small-en-v1.5",
            new Shipped("/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json", SentenceEmbedder.Pooling.CLS));

    private PretrainedModels() {
    }

    /** The directory of a named offline model (converting it on first use), or {@code nameOrPath} as a directory. */
    public static Path resolve(String nameOrPath) throws IOException {
        Shipped shipped = SHIPPED.get(nameOrPath);
        if (shipped == null) {
            Path dir = Path.of(nameOrPath);
            if (!Files.isDirectory(dir)) {
                throw new IOException("model '" + nameOrPath + "' is neither a model directory nor a known offline name "
                        + SHIPPED.keySet());
            }
            return dir;
        }
        Path dir = cacheRoot().resolve("models").resolve(nameOrPath.replace("/", "--"));
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        convert(shipped, nameOrPath, dir);
        return dir;
    }

    private static Path cacheRoot() {
        String configured = System.getProperty("jlm.cache", System.getenv("JLM_CACHE"));
        return configured != null ? Path.of(configured) : Path.of(System.getProperty("user.home"), ".cache", "jlm");
    }

    /**
     * ONNX → a {@code BertModel} saved as config.json and model.safetensors, with tokenizer.json and pooling
     * settings, written to a temp dir then moved.
     */
    private static void convert(Shipped shipped, String name, Path dir) throws IOException {
        OnnxModel onnx;
        try (InputStream in = PretrainedModels.class.getResourceAsStream(shipped.onnx())) {
            if (in == null) {
                throw new IOException(name + ": " + shipped.onnx() + " is not on the class path (its Maven jar is missing)");
            }
            onnx = OnnxModel.parse(ByteBuffer.wrap(in.readAllBytes()), name + shipped.onnx());
        }
        OnnxBertImport.Result imported = OnnxBertImport.convert(onnx);
        Files.createDirectories(dir.getParent());
        Path temp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".converting");
        try {
            Bert model = new Bert(imported.config(), imported.weights().containsKey("pooler.dense.weight"), 0);
            try {
                model.loadStateDict(imported.weights(), false);
            } catch (IllegalArgumentException e) {
                throw new IOException(name + shipped.onnx() + ": " + e.getMessage());
            }
            model.savePretrained(temp);
            try (InputStream in = PretrainedModels.class.getResourceAsStream(shipped.tokenizer())) {
                if (in == null) {
                    throw new IOException(name + ": " + shipped.tokenizer() + " is not on the class path");
                }
                Files.copy(in, temp.resolve("tokenizer.json"));
            }
            new ObjectMapper().writeValue(temp.resolve(SentenceEmbedder.POOLING_FILE).toFile(),
                    Map.of("pooling", shipped.pooling().name().toLowerCase(), "normalize", true));
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(temp)) {
                try (Stream<Path> walk = Files.walk(temp)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
