package dev.jlm.cli;

import picocli.CommandLine.Command;

/** {@code jlm finetune ...}: fine-tuning pretrained models for a task. */
@Command(name = "finetune", mixinStandardHelpOptions = true, description = "Fine-tune a pretrained model for a task.",
        subcommands = {SquadFinetuneCommand.class, ReutersFinetuneCommand.class})
public final class FinetuneCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }
}
