package dev.jlm.cli;

import dev.jlm.models.train.Trainer;
import dev.jlm.models.train.TrainingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;
import java.util.function.Function;

/**
 * A training run on the terminal: a progress bar (step, loss, tokens/s, ETA) and, for tasks that have one, a line per
 * evaluation printed above it. Close it when the run ends, however it ends, to release the bar.
 */
public final class TrainingProgress implements TrainingListener, AutoCloseable {
    private static final int LOG_LINE_WIDTH = 120;

    private final String title;
    private final boolean showBar;
    private final Function<Evaluation, String> evaluationLine;
    private ProgressBar bar;

    /**
     * @param showBar        false for quiet runs: evaluation lines only
     * @param evaluationLine what to print for an evaluation, or null to print nothing
     */
    public TrainingProgress(String title, boolean showBar, Function<Evaluation, String> evaluationLine) {
        this.title = title;
        this.showBar = showBar;
        this.evaluationLine = evaluationLine;
    }

    @Override
    public void started(Started event) {
        if (showBar) {
            ProgressBarBuilder builder = new ProgressBarBuilder().setTaskName(title).setInitialMax(event.maxSteps())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).startsFrom(event.step(), Duration.ZERO).hideEta();
            if (System.console() == null) {
                // Without a terminal the bar assumes 80 columns and cuts the line, bar and ETA first: a log has room.
                builder.setMaxRenderedLength(LOG_LINE_WIDTH);
            }
            bar = builder.build();
        }
    }

    @Override
    public void step(Step event) {
        if (bar != null) {
            bar.stepTo(event.step());
            bar.setExtraMessage(String.format(" loss %.4f | %s tok/s | ETA %s", event.loss(), compact(event.tokensPerSecond()),
                    eta(event.etaSeconds())));
        }
    }

    @Override
    public void evaluated(Evaluation event) {
        if (evaluationLine != null) {
            String line = evaluationLine.apply(event);
            // The bar redraws its own line; a carriage return keeps this one from starting in the middle of it.
            System.out.println(bar == null ? line : "\r" + line);
        }
    }

    @Override
    public void finished(Trainer.Result result) {
        close();
    }

    /** 950, 13.2k, 1.05M: three significant digits, so the bar keeps its width on an 80-column terminal. */
    static String compact(double value) {
        if (value < 1e3) {
            return String.format("%.0f", value);
        }
        return value < 1e6 ? String.format(value < 1e4 ? "%.2fk" : value < 1e5 ? "%.1fk" : "%.0fk", value / 1e3)
                : String.format(value < 1e7 ? "%.2fM" : "%.1fM", value / 1e6);
    }

    private static String eta(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
