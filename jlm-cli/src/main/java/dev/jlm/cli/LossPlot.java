package dev.jlm.cli;

import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The loss curve of a training run in a PNG: training loss at every step, validation loss ({@code val_loss}) at
 * every evaluation, redrawn after each evaluation and at the end. A resumed run's curve starts with the earlier run's.
 */
public final class LossPlot implements TrainingListener {
    private final Path file;
    private final String title;
    private final List<double[]> trainLoss = new ArrayList<>();
    private final List<double[]> valLoss = new ArrayList<>();

    public LossPlot(Path file, String title) {
        this.file = file;
        this.title = title;
    }

    public Path file() {
        return file;
    }

    @Override
    public void started(Started event) {
        for (Map<String, Object> record : event.history()) {
            if (record.get("step") instanceof Number step) {
                if (record.get("loss") instanceof Number loss) {
                    trainLoss.add(new double[] {step.doubleValue(), loss.doubleValue()});
                }
                if (record.get("val_loss") instanceof Number loss) {
                    valLoss.add(new double[] {step.doubleValue(), loss.doubleValue()});
                }
            }
        }
    }

    @Override
    public void step(Step event) {
        trainLoss.add(new double[] {event.step(), event.loss()});
    }

    @Override
    public void evaluated(Evaluation event) {
        if (event.metrics().get("val_loss") instanceof Number loss) {
            valLoss.add(new double[] {event.step(), loss.doubleValue()});
        }
        draw();
    }

    @Override
    public void finished(Trainer.Result result) {
        draw();
    }

    /** Writes the picture to a temporary file, then renames it over {@link #file}. */
    public void draw() {
        if (trainLoss.isEmpty() && valLoss.isEmpty()) {
            return;
        }
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setXAxisTickMarkSpacingHint(120);
        // With equally spaced x values (a loss every step) XChart puts a tick on every k-th value and crowds the labels
        // ("1,0721,2061,340"); half a step of margin on the right makes them unequal, so it picks round steps by the
        // spacing hint (0, 250, 500…).
        double lastStep = 0;
        for (List<double[]> points : List.of(trainLoss, valLoss)) {
            for (double[] point : points) {
                lastStep = Math.max(lastStep, point[0]);
            }
        }
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(lastStep + 0.5);
        addSeries(chart, "train loss", trainLoss, false);
        addSeries(chart, "val loss", valLoss, true);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp.png");
        try {
            BitmapEncoder.saveBitmap(chart, temp.toString(), BitmapEncoder.BitmapFormat.PNG);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void addSeries(XYChart chart, String name, List<double[]> points, boolean markers) {
        if (points.isEmpty()) {
            return;
        }
        double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
        chart.addSeries(name, x, y).setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
}
