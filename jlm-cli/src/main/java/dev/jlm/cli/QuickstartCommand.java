package dev.jlm.cli;

import dev.jlm.models.gpt.Generator;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.train.TextCorpus;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jlm quickstart}: trains a small character-level GPT on bundled tiny Shakespeare and samples from it. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train a small character-level GPT on bundled tiny Shakespeare, show the loss falling, print samples.")
public final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--max-iters", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int maxIters = 2000;

    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("out", "quickstart");

    @Override
    public Integer call() throws Exception {
        System.out.println("Training a character-level GPT on tiny Shakespeare (bundled) — nanoGPT's CPU recipe.");
        GptTrainer trainer = GptTrainer.onText(TextCorpus.tinyShakespeare(), "char", TrainCommand.Gpt2::cpuModel,
                GptTrainer.Settings.builder().maxIters(maxIters).evalInterval(Math.max(1, maxIters / 6)).build(), out);
        LossPlot plot = new LossPlot(out.resolve("loss.png"), TrainCommand.Gpt2.TITLE);
        GptTrainer.Result result = TrainCommand.Gpt2.train(trainer, plot, false);
        Gpt model = Gpt.fromPretrained(result.bestModel());
        Tokenizer tokenizer = Tokenizers.load(result.bestModel().toString());
        System.out.printf("%nbest val loss %.4f (%.0f s, %,.0f tokens/s). Samples:%n", result.bestValLoss(), result.seconds(),
                result.tokensPerSecond());
        for (int i = 0; i < 2; i++) {
            int[] prompt = tokenizer.encode("\n").ids();
            Generator.Settings settings = Generator.Settings.sampling(200).withTemperature(0.8f).withTopK(200).withSeed(42 + i);
            int[] ids = Generator.generate(model, prompt, settings, tokenizer, null);
            System.out.println("---");
            System.out.println(tokenizer.decode(ids, true).strip());
        }
        System.out.println("---");
        System.out.println("model:   " + result.bestModel() + "   (Hugging Face layout: config.json, model.safetensors)");
        System.out.println("metrics: " + result.metrics());
        System.out.println("plot:    " + plot.file());
        System.out.println("next:    ./jlm generate --model " + result.bestModel() + " --prompt \"ROMEO:\"");
        return 0;
    }
}
