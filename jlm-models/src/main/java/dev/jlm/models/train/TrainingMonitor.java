package dev.jlm.models.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

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
 * What a long training job shows and leaves behind: a progress bar (step, loss, tokens/s, ETA), one JSON line per
 * logged step in {@code metrics.jsonl}, and a loss curve in {@code loss.png}. Resuming appends to the same files.
 */
public final class TrainingMonitor implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final BufferedWriter metrics;
    private final ProgressBar bar;
    private final List<double[]> trainLoss = new ArrayList<>();
    private final List<double[]> valLoss = new ArrayList<>();
    private final String title;

    /**
     * @param directory where metrics.jsonl and loss.png go (created if missing)
     * @param title     the plot's and progress bar's name
     * @param startStep the step the job starts (or resumes) at
     * @param maxSteps  the last step
     * @param showBar   false for quiet runs (tests, benchmarks)
     */
    public TrainingMonitor(Path directory, String title, long startStep, long maxSteps, boolean showBar) throws IOException {
        this.directory = directory;
        this.title = title;
        Files.createDirectories(directory);
        Path file = directory.resolve("metrics.jsonl");
        if (startStep > 0) {
            readBack(file, startStep);
        }
        this.metrics = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                startStep > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        this.bar = showBar ? new ProgressBarBuilder().setTaskName(title).setInitialMax(maxSteps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).startsFrom(startStep, java.time.Duration.ZERO)
                .hideEta().build() : null;
    }

    /** Keeps the curve of a resumed run: the earlier lines up to {@code startStep} stay in the plot. */
    private void readBack(Path file, long startStep) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<?, ?> record = JSON.readValue(line, Map.class);
            Number step = (Number) record.get("step");
            if (step == null || step.longValue() > startStep) {
                continue;
            }
            kept.add(line);
            remember(step.longValue(), record);
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, kept, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void remember(long step, Map<?, ?> record) {
        if (record.get("loss") instanceof Number loss) {
            trainLoss.add(new double[] {step, loss.doubleValue()});
        }
        if (record.get("val_loss") instanceof Number loss) {
            valLoss.add(new double[] {step, loss.doubleValue()});
        }
    }

    /**
     * Records one step: {@code loss} and {@code tokensPerSecond} go to the bar, every field of {@code extra} to the
     * JSON line.
     */
    public void step(long step, double loss, double tokensPerSecond, double etaSeconds, Map<String, Object> extra) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", step);
        record.put("loss", loss);
        record.put("tokens_per_s", Math.round(tokensPerSecond));
        record.putAll(extra);
        write(record);
        remember(step, record);
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format(" loss %.4f | %,.0f tok/s | ETA %s", loss, tokensPerSecond, eta(etaSeconds)));
        }
    }

    /** Records an evaluation (e.g. {@code val_loss}) and redraws the plot. */
    public void evaluation(long step, Map<String, Object> values) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("step", step);
        record.putAll(values);
        write(record);
        remember(step, record);
        plot();
    }

    /** Prints a line above the progress bar without breaking it. */
    public void println(String line) {
        System.out.println(bar == null ? line : "\r" + line);
    }

    public Path plotFile() {
        return directory.resolve("loss.png");
    }

    public Path metricsFile() {
        return directory.resolve("metrics.jsonl");
    }

    private void write(Map<String, Object> record) {
        try {
            metrics.write(JSON.writeValueAsString(record));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + metricsFile() + ": " + e.getMessage(), e);
        }
    }

    /** Draws train and validation loss against step into loss.png (written to a temp file, then renamed). */
    public void plot() {
        if (trainLoss.isEmpty() && valLoss.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setXAxisTickMarkSpacingHint(120);
        addSeries(chart, "train loss", trainLoss, false);
        addSeries(chart, "val loss", valLoss, true);
        Path target = plotFile();
        Path temp = directory.resolve("loss.tmp.png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void addSeries(XYChart chart, String name, List<double[]> points, boolean markers) {
        if (points.isEmpty()) {
            return;
        }
        double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
        var series = chart.addSeries(name, x, y);
        series.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    private static String eta(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() throws IOException {
        plot();
        if (bar != null) {
            bar.close();
        }
        metrics.close();
    }
}
