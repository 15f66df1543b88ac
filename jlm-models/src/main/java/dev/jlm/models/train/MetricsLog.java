package dev.jlm.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}, the record a training job leaves behind: one JSON object per step ({@code step},
 * {@code loss}, {@code tokens_per_s}, {@code lr}, and {@code epoch} for epoch-based tasks) and per evaluation
 * ({@code step}, the task's metrics, {@code lr}). A resumed run drops the lines past its starting step (written after
 * the checkpoint it resumes from) and appends.
 */
final class MetricsLog implements TrainingListener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final List<Map<String, Object>> history;
    private final BufferedWriter out;

    private MetricsLog(Path file, List<Map<String, Object>> history) throws IOException {
        this.file = file;
        this.history = history;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Starts the log of a run beginning at {@code startStep}: empty at 0, else the earlier lines up to that step. */
    static MetricsLog open(Path file, int startStep) throws IOException {
        Files.createDirectories(file.getParent());
        List<Map<String, Object>> kept = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        if (startStep > 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> record = JSON.readValue(line, LinkedHashMap.class);
                if (record.get("step") instanceof Number step && step.longValue() <= startStep) {
                    kept.add(record);
                    lines.add(line);
                }
            }
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, lines, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new MetricsLog(file, List.copyOf(kept));
    }

    Path file() {
        return file;
    }

    /** The records kept from the run this one resumes. */
    List<Map<String, Object>> history() {
        return history;
    }

    @Override
    public void step(Step event) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", event.step());
        record.put("loss", (double) event.loss());
        record.put("tokens_per_s", Math.round(event.tokensPerSecond()));
        record.put("lr", event.learningRate());
        if (!Double.isNaN(event.epoch())) {
            record.put("epoch", event.epoch());
        }
        write(record);
    }

    @Override
    public void evaluated(Evaluation event) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", event.step());
        record.putAll(event.metrics());
        record.put("lr", event.learningRate());
        write(record);
    }

    private void write(Map<String, Object> record) {
        try {
            out.write(JSON.writeValueAsString(record));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
