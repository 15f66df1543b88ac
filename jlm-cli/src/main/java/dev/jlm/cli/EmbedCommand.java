package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm embed}: sentence embeddings with the model's own pooling and normalization. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Sentence embeddings (e.g. sentence-transformers/all-MiniLM-L6-v2, BAAI/bge-small-en-v1.5 — offline).")
public final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Offline model name or model directory.")
    String model;
    @Option(names = "--adapter", description = PeftCommand.ADAPTER_HELP)
    Path adapter;
    @Option(names = "--json", description = "Print {\"embeddings\":[[…],…]} for TEXT… or --texts-json.")
    boolean json;
    @Option(names = "--texts-json", description = "A JSON array of strings to embed.")
    Path textsJson;
    @Option(names = "--input", description = "A text file, one text per line, embedded to --output.")
    Path input;
    @Option(names = "--output", description = "Where --input's embeddings go: .jsonl (one array per line) or .npy (float32).")
    Path output;
    @Option(names = "--batch-size", description = "Texts per batch (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;
    @Option(names = "--truncate", description = "Cut texts longer than the model's positions instead of failing.")
    boolean truncate;
    @Parameters(arity = "0..*", paramLabel = "TEXT", description = "Texts to embed.")
    List<String> texts = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> inputs = new ArrayList<>(texts);
        if (textsJson != null) {
            inputs.addAll(readTextsJson(textsJson));
        }
        if (input != null) {
            if (output == null) {
                throw new IllegalArgumentException("--input needs --output (.jsonl or .npy)");
            }
            inputs.addAll(Files.readAllLines(input, StandardCharsets.UTF_8));
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("nothing to embed: give TEXT…, --texts-json or --input");
        }
        SentenceEmbedder embedder = SentenceEmbedder.load(PretrainedModels.resolve(model));
        PeftCommand.applyAdapter(embedder.model(), adapter);
        float[][] vectors = embedder.embed(inputs, batchSize, truncate);
        if (output != null) {
            write(output, vectors);
            System.out.printf("%,d embeddings of size %d → %s%n", vectors.length, vectors[0].length, output);
        } else if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(Map.of("embeddings", vectors)));
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                System.out.printf("%s  [%.4f, %.4f, %.4f, … %d values]%n", inputs.get(i), vectors[i][0], vectors[i][1],
                        vectors[i][2], vectors[i].length);
            }
        }
        return 0;
    }

    static List<String> readTextsJson(Path file) throws IOException {
        JsonNode array = dev.jlm.tensor.io.JsonFiles.read(file);
        if (!array.isArray()) {
            throw new IOException(file + ": expected a JSON array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (!array.get(i).isTextual()) {
                throw new IOException(file + ": element " + i + " is not a string");
            }
            out.add(array.get(i).asText());
        }
        return out;
    }

    /** JSONL (written to a temp file and renamed) or NumPy .npy (float32, shape [n, d]). */
    private static void write(Path file, float[][] vectors) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".npy")) {
            float[] values = new float[vectors.length * vectors[0].length];
            for (int i = 0; i < vectors.length; i++) {
                System.arraycopy(vectors[i], 0, values, i * vectors[0].length, vectors[0].length);
            }
            Npy.write(file, Tensor.of(values, vectors.length, vectors[0].length));
        } else if (name.endsWith(".jsonl")) {
            Path temp = file.resolveSibling(name + ".tmp");
            ObjectMapper mapper = new ObjectMapper();
            try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                for (float[] v : vectors) {
                    out.write(mapper.writeValueAsString(v));
                    out.newLine();
                }
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
            throw new IllegalArgumentException("--output must end in .jsonl or .npy: " + file);
        }
    }
}
