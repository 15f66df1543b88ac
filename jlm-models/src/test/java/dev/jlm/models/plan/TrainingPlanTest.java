package dev.jlm.models.plan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TrainingPlanTest {
    private static final double GB = 1e9;

    @Test
    void parameterCountsMatchTheHuggingFaceModels() throws IOException {
        // GPT2LMHeadModel (tied head), BertModel with its pooler, LlamaForCausalLM: sum of numel() over parameters().
        assertThat(ModelSpec.of("gpt2").parameters()).isEqualTo(124_439_808L);
        assertThat(ModelSpec.of("bert-base-uncased").parameters()).isEqualTo(109_482_240L);
        assertThat(ModelSpec.of("llama-2-7b").parameters()).isEqualTo(6_738_415_616L);
        assertThat(ModelSpec.of("meta-llama/llama-2-7b").parameters()).isEqualTo(6_738_415_616L);
        assertThat(ModelSpec.of("gpt2").exact()).isTrue();
    }

    @Test
    void configFilesOfTheThreeFamiliesGiveTheSameCounts(@TempDir Path dir) throws IOException {
        Path gpt2 = dir.resolve("gpt2.json");
        Files.writeString(gpt2, """
                {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12,
                 "n_head": 12, "n_inner": null}""");
        Path bert = dir.resolve("bert.json");
        Files.writeString(bert, """
                {"model_type": "bert", "vocab_size": 30522, "max_position_embeddings": 512, "hidden_size": 768,
                 "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "type_vocab_size": 2}""");
        Path llama = dir.resolve("llama");
        Files.createDirectories(llama);
        Files.writeString(llama.resolve("config.json"), """
                {"model_type": "llama", "vocab_size": 32000, "max_position_embeddings": 4096, "hidden_size": 4096,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32,
                 "intermediate_size": 11008, "tie_word_embeddings": false}""");
        assertThat(ModelSpec.of(gpt2.toString()).parameters()).isEqualTo(124_439_808L);
        assertThat(ModelSpec.of(bert.toString()).parameters()).isEqualTo(109_482_240L);
        assertThat(ModelSpec.of(llama.toString()).parameters()).isEqualTo(6_738_415_616L);
    }

    @Test
    void badConfigsAndNamesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"model_type\": \"bert\", \"vocab_size\": 30522}");
        assertThatThrownBy(() -> ModelSpec.of(config.toString())).isInstanceOf(IOException.class)
                .hasMessageStartingWith(config.toString()).hasMessageContaining("num_attention_heads");
        Files.writeString(config, "{\"model_type\": \"t5\"}");
        assertThatThrownBy(() -> ModelSpec.of(config.toString())).hasMessageContaining("model_type 't5'");
        assertThatThrownBy(() -> ModelSpec.of("no-such-model")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--model 'no-such-model'").hasMessageContaining("llama-2-7b");
    }

    @Test
    void zeroPaperFigureOne() {
        // Rajbhandari et al. 2020, Figure 1: Ψ = 7.5B, mixed-precision Adam (K = 12), Nd = 64.
        ModelSpec model = ModelSpec.ofParameters(7.5e9);
        TrainingPlan.Setup setup = TrainingPlan.setup().withPrecision(Precision.MIXED).withGpus(64);
        assertThat(modelStatesGb(model, setup.withZeroStage(0))).isCloseTo(120.0, within(0.05));
        assertThat(modelStatesGb(model, setup.withZeroStage(1))).isCloseTo(31.4, within(0.05));
        assertThat(modelStatesGb(model, setup.withZeroStage(2))).isCloseTo(16.6, within(0.05));
        assertThat(modelStatesGb(model, setup.withZeroStage(3))).isCloseTo(1.9, within(0.05));
        // The formulas behind them, to the byte: (2+2+K)Ψ, 2Ψ+2Ψ+KΨ/Nd, 2Ψ+(2+K)Ψ/Nd, (2+2+K)Ψ/Nd.
        assertThat(TrainingPlan.plan(model, setup.withZeroStage(2)).memoryPerDevice().total())
                .isEqualTo(15_000_000_000L + 14 * 7_500_000_000L / 64);
        assertThat(TrainingPlan.plan(model, setup.withZeroStage(0)).memoryPerDevice().activations()).isNull();
    }

    private static double modelStatesGb(ModelSpec model, TrainingPlan.Setup setup) {
        return TrainingPlan.plan(model, setup).memoryPerDevice().total() / GB;
    }

    @Test
    void gpt3TrainingComputeAsPublished() throws IOException {
        // GPT-3 paper, Table D.1: 175B on 300B tokens, 3.14e23 FLOPs, 3.64e3 petaflop/s-days.
        TrainingPlan.Plan plan = TrainingPlan.plan(ModelSpec.of("gpt3-175b"), TrainingPlan.setup().withTokens(300e9));
        assertThat(plan.model().parameters() / 1e9).isCloseTo(175, within(1.0));
        assertThat(plan.flops()).isCloseTo(3.14e23, within(0.01e23));
        assertThat(plan.petaflopSDays()).isCloseTo(3640, within(10.0));
        TrainingPlan.Plan onCluster = TrainingPlan.plan(ModelSpec.ofParameters(1e9),
                TrainingPlan.setup().withTokens(1e12).withGpus(8).withGpuFlops(312e12).withMfu(0.4));
        assertThat(onCluster.seconds()).isCloseTo(6e21 / (8 * 312e12 * 0.4), within(1.0));
    }

    @Test
    void chinchillaTokensAndComputeOptimalSize() throws IOException {
        assertThat(TrainingPlan.plan(ModelSpec.of("chinchilla-70b"), TrainingPlan.setup()).chinchillaTokens())
                .isCloseTo(1.4e12, within(1e9));
        // Chinchilla's own budget (Hoffmann et al. 2022, 5.76e23 FLOPs) comes out at ≈ 70B parameters on ≈ 1.4T tokens.
        Scaling.ComputeOptimal optimal = Scaling.computeOptimal(5.76e23);
        assertThat(optimal.parameters() / 1e9).isCloseTo(69.3, within(0.1));
        assertThat(optimal.tokens() / 1e12).isCloseTo(1.39, within(0.01));
        assertThat(Scaling.trainingFlops(optimal.parameters(), optimal.tokens())).isCloseTo(5.76e23, within(1e20));
    }

    @Test
    void fp16WeightsOfA7bModel() throws IOException {
        TrainingPlan.Plan plan = TrainingPlan.plan(ModelSpec.of("llama-2-7b"), TrainingPlan.setup().withPrecision(Precision.FP16));
        assertThat(plan.memoryPerDevice().weights() / GB).isCloseTo(13.5, within(0.1));
        assertThat(TrainingPlan.plan(ModelSpec.ofParameters(7e9), TrainingPlan.setup().withPrecision(Precision.FP16))
                .memoryPerDevice().weights()).isEqualTo(14_000_000_000L);
    }

    @Test
    void fp32AdamModelStatesAreSixteenBytesBesideTheRuleOfThumb() throws IOException {
        TrainingPlan.Plan plan = TrainingPlan.plan(ModelSpec.of("gpt2"), TrainingPlan.setup().withPrecision(Precision.FP32));
        long n = 124_439_808L;
        assertThat(plan.memoryPerDevice().weights()).isEqualTo(4 * n);
        assertThat(plan.memoryPerDevice().gradients()).isEqualTo(4 * n);
        assertThat(plan.memoryPerDevice().optimizerStates()).isEqualTo(8 * n);
        assertThat(plan.ruleOfThumbBytes()).isEqualTo(24.0 * n);
        TrainingPlan.Plan sgd = TrainingPlan.plan(ModelSpec.of("gpt2"),
                TrainingPlan.setup().withPrecision(Precision.FP32).withOptimizer(OptimizerKind.SGD));
        assertThat(sgd.memoryPerDevice().optimizerStates()).isEqualTo(4 * n);
    }

    @Test
    void activationsFollowKorthikanti() throws IOException {
        // s = 1024, b = 1, h = 768, a = 12, L = 12: sbh(34 + 5as/h) per layer, 16-bit.
        ModelSpec gpt2 = ModelSpec.of("gpt2");
        long perLayer = 1024L * 768 * (34 + 5 * 12 * 1024 / 768);
        assertThat(TrainingPlan.plan(gpt2, TrainingPlan.setup()).memoryPerDevice().activations()).isEqualTo(12 * perLayer);
        assertThat(TrainingPlan.plan(gpt2, TrainingPlan.setup().withActivationCheckpointing(true).withBatch(4))
                .memoryPerDevice().activations()).isEqualTo(12L * 2 * 1024 * 4 * 768);
        assertThat(TrainingPlan.plan(gpt2, TrainingPlan.setup().withPrecision(Precision.FP32)).memoryPerDevice().activations())
                .isEqualTo(2 * 12 * perLayer);
    }

    @Test
    void loraTrainsOnlyTheAdapters() throws IOException {
        ModelSpec llama = ModelSpec.of("llama-2-7b");
        TrainingPlan.Plan plan = TrainingPlan.plan(llama, TrainingPlan.setup().withLoraRank(8));
        // q_proj and v_proj, 4096 → 4096 each: 8·(4096 + 4096) per matrix, 2 per layer, 32 layers.
        long adapters = 32L * 2 * 8 * (4096 + 4096);
        assertThat(plan.trainableParameters()).isEqualTo(adapters);
        assertThat(plan.memoryPerDevice().gradients()).isEqualTo(2 * adapters);
        assertThat(plan.memoryPerDevice().optimizerStates()).isEqualTo(12 * adapters);
        assertThat(plan.memoryPerDevice().weights()).isEqualTo(2 * (6_738_415_616L + adapters));
        assertThatThrownBy(() -> TrainingPlan.plan(ModelSpec.ofParameters(7e9), TrainingPlan.setup().withLoraRank(8)))
                .hasMessageContaining("--lora-rank");
        assertThatThrownBy(() -> TrainingPlan.plan(llama, TrainingPlan.setup().withLoraRank(5000)))
                .hasMessageContaining("--lora-rank 5000");
    }

    @Test
    void badSetupsNameTheirFlag() {
        assertThatThrownBy(() -> TrainingPlan.setup().withZeroStage(4)).hasMessageStartingWith("--zero 4");
        assertThatThrownBy(() -> TrainingPlan.setup().withMfu(1.5)).hasMessageStartingWith("--mfu 1.5");
        assertThatThrownBy(() -> TrainingPlan.setup().withGpus(0)).hasMessageStartingWith("--gpus 0");
        assertThatThrownBy(() -> ModelSpec.ofParameters(-1)).hasMessageStartingWith("--params");
        assertThatThrownBy(() -> Scaling.computeOptimal(0)).hasMessageStartingWith("--flops");
    }
}
