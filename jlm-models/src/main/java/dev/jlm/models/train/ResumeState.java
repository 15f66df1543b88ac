package dev.jlm.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The {@code last/} folder a training run resumes from: the model in Hugging Face layout, {@code optimizer.safetensors}
 * and {@code trainer_state.json}. It is written whole into a temporary folder and swapped in, so an interruption
 * leaves either the previous save or the new one, never half of each.
 */
final class ResumeState {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the model's (and tokenizer's) files into a folder. */
    @FunctionalInterface
    interface Writer {
        void write(Path directory) throws IOException;
    }

    private ResumeState() {
    }

    static Path folder(Path outDir) {
        return outDir.resolve("last");
    }

    /** Saves model files, optimizer state and trainer fields as {@code outDir/last}. */
    static void save(Path outDir, Writer model, Optimizer optimizer, Map<String, Object> trainer) throws IOException {
        Path temp = outDir.resolve("last.saving");
        deleteTree(temp);
        Files.createDirectories(temp);
        model.write(temp);
        SafeTensors.Writer writer = SafeTensors.writer();
        optimizer.state().forEach((name, values) -> writer.add(name, Tensor.of(values, values.length)));
        writer.write(temp.resolve("optimizer.safetensors"));
        JSON.writerWithDefaultPrettyPrinter().writeValue(temp.resolve("trainer_state.json").toFile(), trainer);
        Path last = folder(outDir);
        Path old = outDir.resolve("last.old");
        deleteTree(old);
        if (Files.exists(last)) {
            Files.move(last, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(temp, last, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /** Restores the optimizer from {@code outDir/last} and returns the trainer fields. */
    static JsonNode restore(Path outDir, Optimizer optimizer) throws IOException {
        Path last = folder(outDir);
        Map<String, float[]> state = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(last.resolve("optimizer.safetensors"))) {
            for (String name : st.entries().keySet()) {
                state.put(name, st.tensor(name).toArray());
            }
        }
        optimizer.loadState(state);
        return JSON.readTree(last.resolve("trainer_state.json").toFile());
    }

    /** Writes files into {@code directory} through a temporary sibling folder, replacing them file by file. */
    static void replaceFiles(Path directory, Writer files) throws IOException {
        Path temp = directory.resolveSibling(directory.getFileName() + ".saving");
        deleteTree(temp);
        Files.createDirectories(temp);
        files.write(temp);
        Files.createDirectories(directory);
        try (Stream<Path> list = Files.list(temp)) {
            for (Path file : list.toList()) {
                Files.move(file, directory.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
        }
        deleteTree(temp);
    }

    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
