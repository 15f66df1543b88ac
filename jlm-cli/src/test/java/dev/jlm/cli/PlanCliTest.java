package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PlanCliTest {
    final ObjectMapper json = new ObjectMapper();

    @Test
    void llamaSevenBOnSixtyFourGpusWithZeroThree() throws IOException {
        CliRun run = CliRun.of("plan", "--model", "llama-2-7b", "--zero", "3", "--gpus", "64", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip()).doesNotContain("\n");
        JsonNode out = json.readTree(run.out());
        long n = 6_738_415_616L;
        assertThat(out.get("parameters").asLong()).isEqualTo(n);
        assertThat(out.get("setup").get("zero").asInt()).isEqualTo(3);
        JsonNode memory = out.get("memory_per_device_bytes");
        // Mixed-precision Adam, everything sharded 64 ways: (2 + 2 + 12)·Ψ / 64.
        long states = memory.get("weights").asLong() + memory.get("gradients").asLong() + memory.get("optimizer_states").asLong();
        assertThat((double) states).isCloseTo(16.0 * n / 64, within(3.0));
        // 32 layers of sbh(34 + 5as/h) bytes at s = 4096, b = 1, h = 4096, a = 32.
        assertThat(memory.get("activations").asLong()).isEqualTo(32L * 4096 * 4096 * (34 + 5 * 32 * 4096 / 4096));
        assertThat(memory.get("total").asLong()).isEqualTo(states + memory.get("activations").asLong());
        assertThat(out.get("flops").asDouble()).isCloseTo(6.0 * n * 20 * n, within(1e18));
        assertThat(out.get("rule_of_thumb_bytes").asDouble()).isEqualTo(24.0 * n);
    }

    @Test
    void aFlopBudgetAloneGivesTheComputeOptimalSize() throws IOException {
        CliRun run = CliRun.of("plan", "--flops", "5.76e23", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode out = json.readTree(run.out());
        assertThat(out.get("compute_optimal_parameters").asDouble() / 1e9).isCloseTo(69.3, within(0.1));
        assertThat(out.get("compute_optimal_tokens").asDouble() / 1e12).isCloseTo(1.39, within(0.01));
    }

    @Test
    void theTableNamesEveryFigure() {
        CliRun run = CliRun.of("plan", "--params", "7.5e9", "--zero", "1", "--gpus", "64");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("optimizer_states", "1.406 GB", "activations", "n/a");
    }

    @Test
    void badFlagsAreOneLineErrors() {
        CliRun dtype = CliRun.of("plan", "--model", "gpt2", "--dtype", "fp8");
        assertThat(dtype.exitCode()).isEqualTo(2);
        assertThat(dtype.err().strip()).startsWith("jlm: ").contains("--dtype").doesNotContain("\n");
        CliRun zero = CliRun.of("plan", "--model", "gpt2", "--zero", "5");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err().strip()).isEqualTo("jlm: --zero 5 must be 0, 1, 2 or 3");
        CliRun both = CliRun.of("plan", "--model", "gpt2", "--params", "1e9");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err().strip()).startsWith("jlm: ").doesNotContain("\n");
        CliRun unknown = CliRun.of("plan", "--model", "gpt5");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err().strip()).startsWith("jlm: --model 'gpt5' is neither").doesNotContain("\n");
        CliRun lora = CliRun.of("plan", "--params", "7e9", "--lora-rank", "8");
        assertThat(lora.err().strip()).startsWith("jlm: --lora-rank needs");
    }
}
