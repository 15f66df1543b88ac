package dev.jlm.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.tensor.F;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;
import dev.jlm.tensor.optim.LrSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A 4 → 16 → 1 regression MLP with dropout. */
    static final class Mlp extends Module {
        final Linear hidden;
        final Dropout dropout;
        final Linear output;

        Mlp(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            hidden = child("hidden", new Linear(4, 16, true, random));
            dropout = child("dropout", new Dropout(0.2f, random));
            output = child("output", new Linear(16, 1, true, random));
        }

        Tensor forward(Tensor x) {
            return output.forward(dropout.forward(F.relu(hidden.forward(x))));
        }
    }

    /**
     * Regression of y = Σ sin(x) on 40 points in shuffled batches of 8, split into two micro-batches a step, each
     * target jittered by noise drawn from the micro-batch's generator; evaluated on 16 held-out points.
     */
    static final class Regression implements TrainingTask {
        static final int EXAMPLES = 40;
        final Mlp model;
        final float[] x = new float[EXAMPLES * 4];
        final float[] y = new float[EXAMPLES];
        final float[] heldOutX = new float[16 * 4];
        final float[] heldOutY = new float[16];
        final EpochOrder order = new EpochOrder(EXAMPLES, 8, 3);
        final List<Boolean> evaluations = new ArrayList<>();

        Regression(long initSeed) {
            model = new Mlp(initSeed);
            SplittableRandom data = new SplittableRandom(11);
            fill(x, y, data);
            fill(heldOutX, heldOutY, data);
        }

        private static void fill(float[] inputs, float[] targets, SplittableRandom random) {
            for (int i = 0; i < targets.length; i++) {
                for (int j = 0; j < 4; j++) {
                    inputs[i * 4 + j] = (float) random.nextDouble(-2, 2);
                    targets[i] += (float) Math.sin(inputs[i * 4 + j]);
                }
            }
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Loss loss(int step, int micro, SplittableRandom random) {
            int[] rows = order.batch(step);
            int from = micro * rows.length / 2;
            int to = (micro + 1) * rows.length / 2;
            float[] inputs = new float[(to - from) * 4];
            float[] targets = new float[to - from];
            for (int i = from; i < to; i++) {
                System.arraycopy(x, rows[i] * 4, inputs, (i - from) * 4, 4);
                targets[i - from] = y[rows[i]] + (float) random.nextGaussian() * 0.05f;
            }
            return new Loss(meanSquaredError(Tensor.of(inputs, to - from, 4), Tensor.of(targets, to - from, 1)), to - from);
        }

        private Tensor meanSquaredError(Tensor inputs, Tensor targets) {
            Tensor error = model.forward(inputs).sub(targets);
            return error.mul(error).mean();
        }

        @Override
        public Map<String, Number> evaluate(int step, boolean last) {
            evaluations.add(last);
            try (var scope = Memory.scope()) {
                return Map.of("val_loss", meanSquaredError(Tensor.of(heldOutX, 16, 4), Tensor.of(heldOutY, 16, 1)).item());
            }
        }

        @Override
        public int stepsPerEpoch() {
            return order.stepsPerEpoch();
        }

        @Override
        public void save(Path directory) throws IOException {
            Files.createDirectories(directory);
            SafeTensors.write(directory.resolve("model.safetensors"), model.namedParameters(), Map.of());
        }

        @Override
        public void restore(Path directory) throws IOException {
            model.loadStateDict(read(directory));
        }
    }

    static Map<String, Tensor> read(Path directory) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>();
        try (SafeTensors st = SafeTensors.open(directory.resolve("model.safetensors"))) {
            for (String name : st.entries().keySet()) {
                state.put(name, st.tensor(name));
            }
        }
        return state;
    }

    static Trainer.Settings.Builder settings(int maxSteps) {
        return Trainer.Settings.builder().maxSteps(maxSteps).schedule(LrSchedule.warmupCosine(2e-2f, 2e-3f, 3, 12))
                .weightDecay(0.01f).gradientAccumulationSteps(2).maxGradNorm(0.5f).evalInterval(4).saveInterval(3).seed(5);
    }

    /** The step events a run sends. */
    static final class Steps implements TrainingListener {
        final List<Step> steps = new ArrayList<>();

        @Override
        public void step(Step event) {
            steps.add(event);
        }
    }

    /** Each metrics.jsonl line without its timing. */
    static List<String> metricsWithoutTiming(Path outDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(outDir.resolve("metrics.jsonl"))) {
            var record = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
            record.remove("tokens_per_s");
            out.add(record.toString());
        }
        return out;
    }

    @Test
    void aRunInterruptedAndResumedEndsBitForBitWhereAnUninterruptedOneDoes(@TempDir Path dir) throws IOException {
        // A first run lets the JIT compile the kernels: interpreted and compiled SIMD code may round differently.
        new Trainer(new Regression(7), settings(12).build(), dir.resolve("warm-up")).run();

        Path straight = dir.resolve("straight");
        Steps straightSteps = new Steps();
        Trainer.Result expected = new Trainer(new Regression(7), settings(12).build(), straight).run(straightSteps);

        Path interrupted = dir.resolve("interrupted");
        TrainingListener crashAtStep8 = new TrainingListener() {
            @Override
            public void step(Step event) {
                if (event.step() == 8) {
                    throw new IllegalStateException("interrupted");
                }
            }
        };
        assertThatThrownBy(() -> new Trainer(new Regression(7), settings(12).build(), interrupted).run(crashAtStep8))
                .hasMessage("interrupted");
        JsonNode state = JSON.readTree(interrupted.resolve("last/trainer_state.json").toFile());
        assertThat(state.get("step").asInt()).isEqualTo(6);

        // A fresh model with other initial weights: everything it continues from comes from last/.
        Steps resumedSteps = new Steps();
        List<TrainingListener.Started> starts = new ArrayList<>();
        TrainingListener startListener = new TrainingListener() {
            @Override
            public void started(Started event) {
                starts.add(event);
            }
        };
        Trainer.Result actual = new Trainer(new Regression(99), settings(12).build(), interrupted).run(resumedSteps, startListener);

        assertThat(starts).singleElement().satisfies(s -> {
            assertThat(s.resumed()).isTrue();
            assertThat(s.step()).isEqualTo(6);
            assertThat(s.history()).allSatisfy(r -> assertThat(((Number) r.get("step")).intValue()).isLessThanOrEqualTo(6));
        });
        assertThat(actual.steps()).isEqualTo(12);
        assertThat(actual.stepsThisRun()).isEqualTo(6);
        assertThat(actual.lastLoss()).isEqualTo(expected.lastLoss());
        assertThat(actual.lastEvaluation()).isEqualTo(expected.lastEvaluation());
        assertThat(resumedSteps.steps.stream().map(TrainingListener.Step::loss).toList())
                .isEqualTo(straightSteps.steps.subList(6, 12).stream().map(TrainingListener.Step::loss).toList());
        assertThat(resumedSteps.steps.stream().map(TrainingListener.Step::learningRate).toList())
                .isEqualTo(straightSteps.steps.subList(6, 12).stream().map(TrainingListener.Step::learningRate).toList());
        for (String file : List.of("model.safetensors", "optimizer.safetensors", "trainer_state.json")) {
            assertThat(Files.readAllBytes(interrupted.resolve("last").resolve(file))).as(file)
                    .isEqualTo(Files.readAllBytes(straight.resolve("last").resolve(file)));
        }
        assertThat(Files.readAllBytes(interrupted.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));
        // The lines the interrupted run wrote after its last checkpoint (steps 7 and 8) are replaced, not repeated.
        assertThat(metricsWithoutTiming(interrupted)).isEqualTo(metricsWithoutTiming(straight));
    }

    @Test
    void keepsTheBestModelByTheMetricInTheOutputFolderAndTheLastStateInLast(@TempDir Path dir) throws IOException {
        Regression task = new Regression(7);
        Map<Integer, Map<String, float[]>> snapshots = new LinkedHashMap<>();
        Map<Integer, Double> validation = new LinkedHashMap<>();
        List<String> events = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void started(Started event) {
                events.add("started " + event.step());
            }

            @Override
            public void evaluated(Evaluation event) {
                events.add("evaluated " + event.step() + (event.best() ? " best" : ""));
                validation.put(event.step(), event.metrics().get("val_loss").doubleValue());
                Map<String, float[]> weights = new LinkedHashMap<>();
                task.model.namedParameters().forEach((name, p) -> weights.put(name, p.toArray()));
                snapshots.put(event.step(), weights);
            }

            @Override
            public void checkpointSaved(Checkpoint event) {
                events.add("saved " + event.step() + " " + dir.relativize(event.directory()));
            }

            @Override
            public void finished(Trainer.Result result) {
                events.add("finished " + result.steps());
            }
        };
        Path out = dir.resolve("out");
        Trainer.Result result = new Trainer(task, settings(10).schedule(LrSchedule.constant(0.05f)).evaluateBeforeTraining(true)
                .evalInterval(2).saveInterval(5).bestMetric("val_loss").build(), out).run(recorder);

        int bestStep = validation.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertThat(result.bestMetric()).isEqualTo(validation.get(bestStep));
        assertThat(validation).containsOnlyKeys(0, 2, 4, 6, 8, 10);
        assertThat(task.evaluations).containsExactly(false, false, false, false, false, true);
        Map<String, Tensor> best = read(out);
        snapshots.get(bestStep).forEach((name, values) -> assertThat(best.get(name).toArray()).as(name).isEqualTo(values));
        Map<String, Tensor> last = read(out.resolve("last"));
        task.model.namedParameters().forEach((name, p) -> assertThat(last.get(name).toArray()).as(name).isEqualTo(p.toArray()));
        assertThat(events.getFirst()).isEqualTo("started 0");
        assertThat(events.getLast()).isEqualTo("finished 10");
        assertThat(events).contains("saved 5 out/last", "saved 10 out/last").doesNotContain("saved 5 out");
        JsonNode state = JSON.readTree(out.resolve("last/trainer_state.json").toFile());
        assertThat(state.get("best_metric").asDouble()).isEqualTo(validation.get(bestStep));
        assertThat(state.get("evaluated_at").asInt()).isEqualTo(10);
    }

    @Test
    void stopsWhenTheTimeBudgetIsSpentAndSavesWhereItStopped(@TempDir Path dir) throws IOException {
        Regression task = new Regression(7);
        TrainingListener slowStep = new TrainingListener() {
            @Override
            public void step(Step event) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        Path out = dir.resolve("out");
        Trainer.Result result = new Trainer(task, settings(1000).maxSeconds(0.2).evalInterval(0).saveInterval(0).build(), out)
                .run(slowStep);
        assertThat(result.steps()).isBetween(1, 10);
        assertThat(result.stepsThisRun()).isEqualTo(result.steps());
        // The run ends as a finished one does: a final evaluation, the model in the output folder, the state in last/.
        assertThat(task.evaluations).containsExactly(true);
        assertThat(JSON.readTree(out.resolve("last/trainer_state.json").toFile()).get("step").asInt()).isEqualTo(result.steps());
        assertThat(out.resolve("model.safetensors")).exists();
    }

    @Test
    void aDivergingLossEndsTheRunWithAOneLineError(@TempDir Path dir) {
        Trainer trainer = new Trainer(new Regression(7), settings(50).schedule(LrSchedule.constant(1e30f)).maxGradNorm(0)
                .build(), dir.resolve("out"));
        assertThatThrownBy(trainer::run).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("loss became ")
                .hasMessageNotContaining("\n");
    }
}
