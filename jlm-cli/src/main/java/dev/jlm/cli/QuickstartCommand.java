package dev.jlm.cli;

import picocli.CommandLine.Command;

/** {@code jlm quickstart}: trains a small model on bundled data and shows its loss falling. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Train a small model on bundled data and show its loss falling.")
public final class QuickstartCommand implements Runnable {
    @Override
    public void run() {
        throw new UnsupportedOperationException("quickstart lands with the tensor engine");
    }
}
