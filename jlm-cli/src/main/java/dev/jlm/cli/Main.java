package dev.jlm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code jlm} command: one subcommand per job, one-line errors, exit codes. */
@Command(name = "jlm", mixinStandardHelpOptions = true, version = "jlm 0.1.0",
        description = "Transformer language models in pure Java: tokenize, train, evaluate, generate.",
        subcommands = {
                CommandLine.HelpCommand.class,
                QuickstartCommand.class,
                TrainCommand.class,
                GenerateCommand.class,
                PerplexityCommand.class,
                PullCommand.class,
                TokenizeCommand.class,
                TokenizerCommand.class,
                EmbedCommand.class,
                SimilarityCommand.class,
                FillMaskCommand.class,
                FinetuneCommand.class,
                PredictCommand.class,
                EvalCommand.class,
                DataCommand.class,
                PlanCommand.class,
                PeftCommand.class,
                QuantizeCommand.class,
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code: 0 ok, 1 failure of the job, 2 bad usage or input. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, rest) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("jlm: " + oneLine(ex) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("jlm: " + oneLine(ex));
            return ex instanceof IllegalArgumentException || ex instanceof java.io.IOException ? 2 : 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("jlm: out of memory (Java heap " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB): use a "
                    + "smaller --batch-size (with --gradient-accumulation-steps to keep the step size) or raise JLM_HEAP");
            return 1;
        }
    }

    private static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        return message.replace('\n', ' ');
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
