package dev.jlm.cli;

import dev.jlm.tasks.squad.SquadPredictor;
import picocli.CommandLine.Option;

/** run_qa.py's windowing and answer-extraction flags, shared by {@code finetune squad} and {@code predict squad}. */
final class SquadOptions {
    @Option(names = "--max-seq-length", description = "Tokens per window, question included (default: ${DEFAULT-VALUE}).")
    int maxSeqLength = 384;
    @Option(names = "--doc-stride", description = "Tokens of overlap between a context's windows (default: ${DEFAULT-VALUE}).")
    int docStride = 128;
    @Option(names = "--n-best-size", description = "Start and end candidates per window (default: ${DEFAULT-VALUE}).")
    int nBest = 20;
    @Option(names = "--max-answer-length", description = "Longest answer in tokens (default: ${DEFAULT-VALUE}).")
    int maxAnswerLength = 30;
    @Option(names = "--null-score-diff-threshold", description = "SQuAD 2.0: answer \"\" when null score − best span score "
            + "exceeds this (default: ${DEFAULT-VALUE}).")
    double nullScoreDiffThreshold = 0.0;
    @Option(names = "--eval-batch-size", description = "Windows per inference batch (default: ${DEFAULT-VALUE}).")
    int evalBatchSize = 32;

    SquadPredictor.Options predictorOptions() {
        if (maxSeqLength < 8) {
            throw new IllegalArgumentException("--max-seq-length must be at least 8 (got " + maxSeqLength + ")");
        }
        if (docStride < 0 || docStride >= maxSeqLength) {
            throw new IllegalArgumentException("--doc-stride must be between 0 and --max-seq-length (got " + docStride + ")");
        }
        if (nBest < 1 || maxAnswerLength < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("--n-best-size, --max-answer-length and --eval-batch-size must be positive");
        }
        return new SquadPredictor.Options(maxSeqLength, docStride, nBest, maxAnswerLength, evalBatchSize);
    }
}
