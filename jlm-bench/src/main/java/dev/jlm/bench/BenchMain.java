package dev.jlm.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./jlm bench NAME}: each benchmark runs jlm and its peer in the same run, prints a table, and prints as its
 * last line one JSON object with the figures and the ratio.
 */
@Command(name = "jlm bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: jlm against its peer, measured in the same run.",
        subcommands = {
                CommandLine.HelpCommand.class,
                MatmulBench.class,
                TrainStepBench.class,
                GptTrainStepBench.class,
                GptQualityBench.class,
                GenerateBench.class,
                TokenizeBench.class,
                BertMlmBench.class,
                EmbedBench.class,
                SquadBench.class,
                ReutersBench.class,
                QuantizeBench.class,
        })
public final class BenchMain implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new BenchMain()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("jlm bench: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
