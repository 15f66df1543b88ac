package dev.jlm.tensor.kernels;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One shared set of worker threads sized to the cores; every multithreaded kernel splits its work here. Training
 * runs thousands of short parallel regions per second, so the hand-off must cost microseconds: workers spin briefly
 * after each region before parking (like OpenMP's active wait), and the calling thread runs a share itself.
 */
public final class Parallel {
    /** Number of threads a region uses, the caller included. */
    public static final int THREADS = Integer.getInteger("jlm.threads", Runtime.getRuntime().availableProcessors());

    private static final long SPIN_NANOS = 100_000;
    private static final Worker[] WORKERS = new Worker[Math.max(0, THREADS - 1)];
    private static final ReentrantLock REGION = new ReentrantLock();

    /** Set while a thread runs a share of a parallel loop: nested loops then run inline. */
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker("jlm-worker-" + (i + 1));
            WORKERS[i].start();
        }
    }

    /** Body of a parallel loop over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Body of a parallel loop that also gets the index of its chunk (for deterministic per-chunk results). */
    @FunctionalInterface
    public interface ChunkBody {
        void run(int chunk, int start, int end);
    }

    private Parallel() {
    }

    /**
     * Like {@link #forChunks}, telling each piece its chunk index, so that partial results can be combined in chunk
     * order: the same numbers every run, whichever thread finishes first.
     */
    public static void forChunksIndexed(int n, int chunks, ChunkBody body) {
        int count = Math.max(1, Math.min(chunks, n));
        forChunks(count, count, (first, last) -> {
            for (int c = first; c < last; c++) {
                body.run(c, bound(n, count, c), bound(n, count, c + 1));
            }
        });
    }

    /** Whether the calling thread is already running a share of a parallel loop (so nested work should run inline). */
    public static boolean insideLoop() {
        return INSIDE.get();
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
        forChunks(n, chunks, body);
    }

    /** Splits [0, n) into {@code chunks} near-equal parts, run by the caller and the workers. */
    public static void forChunks(int n, int chunks, RangeBody body) {
        if (n <= 0) {
            return;
        }
        chunks = Math.min(chunks, n);
        if (chunks <= 1 || INSIDE.get() || !REGION.tryLock()) {
            // Nested, or another thread holds the workers: run here (correct, just not parallel).
            body.run(0, n);
            return;
        }
        try {
            int helpers = Math.min(WORKERS.length, chunks - 1);
            int total = chunks;
            for (int w = 0; w < helpers; w++) {
                int first = w + 1;
                WORKERS[w].submit(() -> {
                    for (int c = first; c < total; c += helpers + 1) {
                        body.run(bound(n, total, c), bound(n, total, c + 1));
                    }
                });
            }
            INSIDE.set(Boolean.TRUE);
            Throwable failure = null;
            try {
                for (int c = 0; c < total; c += helpers + 1) {
                    body.run(bound(n, total, c), bound(n, total, c + 1));
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                INSIDE.set(Boolean.FALSE);
            }
            for (int w = 0; w < helpers; w++) {
                Throwable t = WORKERS[w].await();
                failure = failure == null ? t : failure;
            }
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
        } finally {
            REGION.unlock();
        }
    }

    private static int bound(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /** A worker thread with a one-task mailbox. */
    private static final class Worker extends Thread {
        private volatile Runnable task;
        private volatile boolean done = true;
        private volatile Throwable failure;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void submit(Runnable work) {
            failure = null;
            done = false;
            task = work;
            LockSupport.unpark(this);
        }

        Throwable await() {
            // Spin briefly (the usual case: the worker finishes within microseconds), then yield the core, which
            // matters when other processes share it and the worker is waiting for a turn.
            long start = System.nanoTime();
            while (!done) {
                if (System.nanoTime() - start < 50_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            return failure;
        }

        @Override
        public void run() {
            INSIDE.set(Boolean.TRUE);
            long idleSince = System.nanoTime();
            while (true) {
                Runnable work = task;
                if (work == null) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                task = null;
                try {
                    work.run();
                } catch (Throwable t) {
                    failure = t;
                }
                done = true;
                idleSince = System.nanoTime();
            }
        }
    }
}
