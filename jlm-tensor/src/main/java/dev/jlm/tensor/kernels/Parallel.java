package dev.jlm.tensor.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/** One shared pool sized to the cores; every multithreaded kernel splits its work here. */
public final class Parallel {
    /** Number of worker threads (and the caller participates as one of them). */
    public static final int THREADS = Integer.getInteger("jlm.threads", Runtime.getRuntime().availableProcessors());

    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS));

    /** Set while the calling thread runs its own share of a parallel loop: nested loops then run inline. */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /** Body of a parallel loop over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private Parallel() {
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #THREADS} contiguous chunks; runs inline when
     * {@code n * costPerItem} is too small for a hand-off to pay.
     */
    public static void forRange(int n, long costPerItem, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min(THREADS, Math.min(n, Math.max(1, (long) n * costPerItem / 32_768)));
        if (chunks <= 1 || nested()) {
            body.run(0, n);
            return;
        }
        forChunks(n, chunks, body);
    }

    /** Whether the calling thread is already running a share of a parallel loop (so nested work should run inline). */
    public static boolean insideLoop() {
        return nested();
    }

    private static boolean nested() {
        return ForkJoinTask.inForkJoinPool() || INSIDE.get();
    }

    /** Splits [0, n) into exactly {@code chunks} near-equal parts (n ≥ chunks), run on the shared pool. */
    public static void forChunks(int n, int chunks, RangeBody body) {
        if (chunks <= 1 || nested()) {
            body.run(0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int start = (int) ((long) n * c / chunks);
            int end = (int) ((long) n * (c + 1) / chunks);
            tasks[c - 1] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(start, end);
                }
            };
            POOL.execute(tasks[c - 1]);
        }
        INSIDE.set(Boolean.TRUE);
        try {
            body.run(0, (int) ((long) n / chunks));
        } finally {
            INSIDE.set(Boolean.FALSE);
        }
        for (RecursiveAction task : tasks) {
            task.join();
        }
    }
}
