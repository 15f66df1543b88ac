package dev.jlm.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.optim.AdamW;
import dev.jlm.tensor.optim.GradientAccumulator;
import dev.jlm.tensor.optim.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The one training loop (Hugging Face's {@code Trainer}, nanoGPT's {@code train.py}): AdamW under a learning-rate
 * schedule, gradient accumulation and clipping through {@link GradientAccumulator}, a step and a time budget, periodic
 * evaluation, checkpoints, exact resume and events for {@link TrainingListener}s. A {@link TrainingTask} supplies the
 * rest.
 *
 * <p>The output folder holds the task's files — written whenever the evaluation metric named by
 * {@link Settings.Builder#bestMetric} improves, or at every checkpoint without one — next to {@code metrics.jsonl};
 * {@code last/} holds the task's files with the optimizer state and {@code trainer_state.json}, written to a temporary
 * folder and swapped in. A run finding {@code last/} continues from it. The learning rate and all randomness are
 * functions of the step ({@link #stepRandom}), so the continuation is the uninterrupted run's, bit for bit.
 *
 * <pre>{@code
 * Trainer.Settings settings = Trainer.Settings.builder().maxSteps(2000)
 *         .schedule(LrSchedule.warmupCosine(1e-3f, 1e-4f, 100, 2000)).weightDecay(0.1f)
 *         .evalInterval(250).saveInterval(250).bestMetric("val_loss").build();
 * Trainer.Result result = new Trainer(task, settings, Path.of("out")).run(progressBar, lossPlot);
 * }</pre>
 */
public final class Trainer {
    /**
     * What a run reports.
     *
     * @param steps          the step count reached, earlier runs' included
     * @param lastLoss       the last step's loss; NaN when this run took no step
     * @param lastEvaluation the latest evaluation's metrics, possibly an earlier run's
     * @param bestMetric     the best value of the settings' metric so far; NaN without one
     * @param metrics        the {@code metrics.jsonl} file
     */
    public record Result(int steps, int stepsThisRun, float lastLoss, double seconds, double tokensPerSecond,
                         Map<String, Number> lastEvaluation, double bestMetric, Path metrics) {
    }

    private final TrainingTask task;
    private final Settings settings;
    private final Path outDir;

    public Trainer(TrainingTask task, Settings settings, Path outDir) {
        this.task = task;
        this.settings = settings;
        this.outDir = outDir;
    }

    /** Where the resumable state of the most recent checkpoint lives. */
    public static Path lastCheckpoint(Path outDir) {
        return ResumeState.folder(outDir);
    }

    /**
     * The generator of micro-batch {@code micro} of step {@code step}: its first draw seeds dropout, the task may draw
     * its batch from the rest.
     */
    public static SplittableRandom stepRandom(long seed, long step, int micro) {
        return new SplittableRandom(seed * 1_000_003L + step * 1_009L + micro);
    }

    /** Trains from scratch or, when {@code outDir/last} exists, from where that run stopped. */
    public Result run(TrainingListener... listeners) throws IOException {
        return new Run().train(List.of(listeners));
    }

    /** A step's mean micro-batch loss and the tokens it trained on. */
    private record StepOutcome(float loss, long tokens) {
    }

    /** One call of {@link #run}: the optimizer and the state that {@code trainer_state.json} keeps. */
    private final class Run {
        private final AdamW optimizer = new AdamW(task.parameterGroups(settings.weightDecay()), settings.schedule().at(0),
                settings.beta1(), settings.beta2(), settings.eps());
        private final List<TrainingListener> listeners = new ArrayList<>();
        private int step;
        private double best = Double.POSITIVE_INFINITY;
        private int evaluatedAt = -1;
        private Map<String, Number> lastEvaluation = Map.of();

        Result train(List<TrainingListener> observers) throws IOException {
            Path last = lastCheckpoint(outDir);
            boolean resumed = Files.isDirectory(last);
            if (resumed) {
                task.restore(last);
                restore(ResumeState.restore(outDir, optimizer), last.resolve("trainer_state.json"));
            }
            int startStep = step;
            long start = System.nanoTime();
            try (MetricsLog log = MetricsLog.open(outDir.resolve("metrics.jsonl"), startStep)) {
                listeners.add(log);
                listeners.addAll(observers);
                var started = new TrainingListener.Started(startStep, settings.maxSteps(), resumed, log.history());
                listeners.forEach(l -> l.started(started));
                if (!resumed && settings.evaluateBeforeTraining()) {
                    evaluate(false);
                }
                long tokens = 0;
                float loss = Float.NaN;
                boolean finishing = step >= settings.maxSteps() || seconds(start) >= settings.maxSeconds();
                while (!finishing) {
                    float lr = settings.schedule().at(step);
                    optimizer.setLearningRate(lr);
                    long stepStart = System.nanoTime();
                    StepOutcome outcome = trainStep();
                    double stepSeconds = seconds(stepStart);
                    loss = outcome.loss();
                    tokens += outcome.tokens();
                    int index = step++;
                    double elapsed = seconds(start);
                    finishing = step >= settings.maxSteps() || elapsed >= settings.maxSeconds();
                    double eta = Math.min((settings.maxSteps() - step) * elapsed / (step - startStep),
                            settings.maxSeconds() - elapsed);
                    double epoch = task.stepsPerEpoch() > 0 ? (double) step / task.stepsPerEpoch() : Double.NaN;
                    var event = new TrainingListener.Step(step, settings.maxSteps(), loss, lr, outcome.tokens() / stepSeconds,
                            eta, epoch);
                    listeners.forEach(l -> l.step(event));
                    if (!Float.isFinite(loss)) {
                        throw new IllegalStateException("loss became " + loss + " at step " + index + "; lower --learning-rate");
                    }
                    if (finishing || settings.evalInterval() > 0 && step % settings.evalInterval() == 0) {
                        evaluate(finishing);
                    }
                    if (finishing || settings.saveInterval() > 0 && step % settings.saveInterval() == 0) {
                        checkpoint();
                    }
                }
                double seconds = seconds(start);
                Result result = new Result(step, step - startStep, loss, seconds, tokens / Math.max(seconds, 1e-9),
                        lastEvaluation, settings.bestMetric() == null ? Double.NaN : best, log.file());
                listeners.forEach(l -> l.finished(result));
                return result;
            }
        }

        /** One optimizer step over the task's micro-batches. */
        private StepOutcome trainStep() {
            Module model = task.model();
            model.train(true);
            int micros = task.microBatches(step, settings.gradientAccumulationSteps());
            GradientAccumulator accumulator = new GradientAccumulator(optimizer, micros, settings.maxGradNorm());
            double lossSum = 0;
            long tokens = 0;
            for (int micro = 0; micro < micros; micro++) {
                SplittableRandom random = stepRandom(settings.seed(), step, micro);
                model.reseedDropout(random.nextLong());
                try (var scope = Memory.scope()) {
                    TrainingTask.Loss loss = task.loss(step, micro, random);
                    lossSum += loss.value().item();
                    tokens += loss.tokens();
                    accumulator.backward(loss.value());
                }
            }
            return new StepOutcome((float) (lossSum / micros), tokens);
        }

        private void evaluate(boolean finalEvaluation) throws IOException {
            Module model = task.model();
            boolean wasTraining = model.isTraining();
            model.eval();
            Map<String, Number> metrics;
            try (var off = GradMode.off()) {
                metrics = task.evaluate(step, finalEvaluation);
            } finally {
                model.train(wasTraining);
            }
            if (metrics.isEmpty()) {
                return;
            }
            evaluatedAt = step;
            lastEvaluation = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
            boolean improved = false;
            if (settings.bestMetric() != null) {
                Number value = metrics.get(settings.bestMetric());
                if (value == null) {
                    throw new IllegalStateException("the evaluation has no '" + settings.bestMetric() + "' (it has "
                            + metrics.keySet() + ")");
                }
                improved = value.doubleValue() < best;
                if (improved) {
                    best = value.doubleValue();
                    ResumeState.replaceFiles(outDir, task::save);
                }
            }
            var event = new TrainingListener.Evaluation(step, metrics, settings.schedule().at(step), improved);
            listeners.forEach(l -> l.evaluated(event));
            if (improved) {
                var saved = new TrainingListener.Checkpoint(step, outDir);
                listeners.forEach(l -> l.checkpointSaved(saved));
            }
        }

        private void checkpoint() throws IOException {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("step", step);
            if (Double.isFinite(best)) {
                state.put("best_metric", best);
            }
            if (evaluatedAt >= 0) {
                state.put("evaluated_at", evaluatedAt);
                state.put("last_evaluation", lastEvaluation);
            }
            ResumeState.save(outDir, task::save, optimizer, state);
            var last = new TrainingListener.Checkpoint(step, lastCheckpoint(outDir));
            listeners.forEach(l -> l.checkpointSaved(last));
            if (settings.bestMetric() == null) {
                ResumeState.replaceFiles(outDir, task::save);
                var model = new TrainingListener.Checkpoint(step, outDir);
                listeners.forEach(l -> l.checkpointSaved(model));
            }
        }

        private void restore(JsonNode state, Path file) throws IOException {
            // "iter" and "best_val_loss": the names GptTrainer wrote before this loop took over its checkpoints.
            JsonNode saved = state.has("step") ? state.get("step") : state.get("iter");
            if (saved == null || !saved.canConvertToInt()) {
                throw new IOException(file + ": no \"step\"");
            }
            step = saved.asInt();
            JsonNode bestValue = state.has("best_metric") ? state.get("best_metric") : state.get("best_val_loss");
            if (bestValue != null && bestValue.isNumber()) {
                best = bestValue.asDouble();
            }
            evaluatedAt = state.path("evaluated_at").asInt(-1);
            Map<String, Number> metrics = new LinkedHashMap<>();
            state.path("last_evaluation").properties().forEach(e -> metrics.put(e.getKey(), e.getValue().numberValue()));
            lastEvaluation = Collections.unmodifiableMap(metrics);
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /**
     * The loop's knobs, built by name: {@code Settings.builder().maxSteps(2000).schedule(…).build()}. Defaults are
     * Hugging Face's where it has one (AdamW betas 0.9/0.999, epsilon 1e-8, clipping at norm 1, seed 42).
     */
    public static final class Settings {
        private final int maxSteps;
        private final double maxSeconds;
        private final LrSchedule schedule;
        private final float beta1;
        private final float beta2;
        private final float eps;
        private final float weightDecay;
        private final int gradientAccumulationSteps;
        private final float maxGradNorm;
        private final int evalInterval;
        private final boolean evaluateBeforeTraining;
        private final int saveInterval;
        private final String bestMetric;
        private final long seed;

        private Settings(Builder b) {
            this.maxSteps = b.maxSteps;
            this.maxSeconds = b.maxSeconds;
            this.schedule = b.schedule;
            this.beta1 = b.beta1;
            this.beta2 = b.beta2;
            this.eps = b.eps;
            this.weightDecay = b.weightDecay;
            this.gradientAccumulationSteps = b.gradientAccumulationSteps;
            this.maxGradNorm = b.maxGradNorm;
            this.evalInterval = b.evalInterval;
            this.evaluateBeforeTraining = b.evaluateBeforeTraining;
            this.saveInterval = b.saveInterval;
            this.bestMetric = b.bestMetric;
            this.seed = b.seed;
        }

        public static Builder builder() {
            return new Builder();
        }

        public int maxSteps() {
            return maxSteps;
        }

        public double maxSeconds() {
            return maxSeconds;
        }

        public LrSchedule schedule() {
            return schedule;
        }

        public float beta1() {
            return beta1;
        }

        public float beta2() {
            return beta2;
        }

        public float eps() {
            return eps;
        }

        public float weightDecay() {
            return weightDecay;
        }

        public int gradientAccumulationSteps() {
            return gradientAccumulationSteps;
        }

        public float maxGradNorm() {
            return maxGradNorm;
        }

        public int evalInterval() {
            return evalInterval;
        }

        public boolean evaluateBeforeTraining() {
            return evaluateBeforeTraining;
        }

        public int saveInterval() {
            return saveInterval;
        }

        public String bestMetric() {
            return bestMetric;
        }

        public long seed() {
            return seed;
        }

        public static final class Builder {
            private int maxSteps;
            private double maxSeconds = Double.POSITIVE_INFINITY;
            private LrSchedule schedule;
            private float beta1 = 0.9f;
            private float beta2 = 0.999f;
            private float eps = 1e-8f;
            private float weightDecay;
            private int gradientAccumulationSteps = 1;
            private float maxGradNorm = 1f;
            private int evalInterval;
            private boolean evaluateBeforeTraining;
            private int saveInterval;
            private String bestMetric;
            private long seed = 42;

            private Builder() {
            }

            /** Optimizer steps of the whole run (a resumed run counts the steps it resumes after). */
            public Builder maxSteps(int steps) {
                this.maxSteps = steps;
                return this;
            }

            /** Wall-clock budget of one run, evaluations and checkpoints included; the run then ends as if finished. */
            public Builder maxSeconds(double seconds) {
                this.maxSeconds = seconds;
                return this;
            }

            /** The learning rate of each step (0-based). */
            public Builder schedule(LrSchedule schedule) {
                this.schedule = schedule;
                return this;
            }

            public Builder beta1(float beta1) {
                this.beta1 = beta1;
                return this;
            }

            public Builder beta2(float beta2) {
                this.beta2 = beta2;
                return this;
            }

            public Builder eps(float eps) {
                this.eps = eps;
                return this;
            }

            /** AdamW's decoupled weight decay, for the groups the task marks as decaying. */
            public Builder weightDecay(float weightDecay) {
                this.weightDecay = weightDecay;
                return this;
            }

            /** Micro-batches per optimizer step, unless the task says otherwise for a step. */
            public Builder gradientAccumulationSteps(int steps) {
                this.gradientAccumulationSteps = steps;
                return this;
            }

            /** Clip the global gradient norm to this before each step; 0 turns clipping off. */
            public Builder maxGradNorm(float norm) {
                this.maxGradNorm = norm;
                return this;
            }

            /** Steps between evaluations; 0 evaluates only at the end of the run. */
            public Builder evalInterval(int steps) {
                this.evalInterval = steps;
                return this;
            }

            /** Evaluate once before the first step of a fresh run (nanoGPT's step-0 estimate). */
            public Builder evaluateBeforeTraining(boolean on) {
                this.evaluateBeforeTraining = on;
                return this;
            }

            /** Steps between checkpoints; 0 saves only at the end of the run. */
            public Builder saveInterval(int steps) {
                this.saveInterval = steps;
                return this;
            }

            /**
             * The evaluation metric (lower is better) that decides when the output folder's model is replaced; without
             * one, it is replaced at every checkpoint.
             */
            public Builder bestMetric(String metric) {
                this.bestMetric = metric;
                return this;
            }

            /** Seeds every micro-batch's generator ({@link #stepRandom}). */
            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            public Settings build() {
                if (maxSteps < 1) {
                    throw new IllegalArgumentException("maxSteps must be positive (got " + maxSteps + ")");
                }
                if (schedule == null) {
                    throw new IllegalArgumentException("a learning-rate schedule is required");
                }
                if (gradientAccumulationSteps < 1 || evalInterval < 0 || saveInterval < 0 || !(maxSeconds >= 0)) {
                    throw new IllegalArgumentException("gradientAccumulationSteps must be positive; evalInterval, "
                            + "saveInterval and maxSeconds must not be negative");
                }
                return new Settings(this);
            }
        }
    }
}
