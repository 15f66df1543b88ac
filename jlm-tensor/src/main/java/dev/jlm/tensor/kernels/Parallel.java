package dev.jlm.tensor.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
     * Parts per thread that a loop is cut into when its work allows: threads take parts as they come free, so one
     * that starts late (its core busy with another process) ends up with fewer instead of holding everyone up.
     */
    public static final int PARTS_PER_THREAD = 4;

    /**
     * Runs {@code body} over [0, n) split into at most {@link #THREADS}·{@link #PARTS_PER_THREAD} contiguous chunks
     * of at least ~32k cost units; runs inline when {@code n * costPerItem} is too small for a hand-off to pay.
     */
    public static void forRange(int n, long costPerItem, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min((long) THREADS * PARTS_PER_THREAD, Math.min(n, Math.max(1, (long) n * costPerItem / 32_768)));
        forChunks(n, chunks, body);
    }

    /**
     * Splits [0, n) into {@code chunks} near-equal parts, run by the caller and the workers, each taking the next
     * part not yet taken: a thread that starts late (its core busy with another process) takes fewer parts, and the
     * caller waits only for parts already under way, never for a worker that has not started.
     */
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
            Region region = new Region(n, chunks, body);
            int helpers = Math.min(WORKERS.length, chunks - 1);
            for (int w = 0; w < helpers; w++) {
                WORKERS[w].offer(region);
            }
            INSIDE.set(Boolean.TRUE);
            try {
                region.work();
            } finally {
                INSIDE.set(Boolean.FALSE);
            }
            region.awaitAllParts();
            if (region.failure instanceof RuntimeException e) {
                throw e;
            }
            if (region.failure instanceof Error e) {
                throw e;
            }
        } finally {
            REGION.unlock();
        }
    }

    private static int bound(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /** One parallel loop: its parts, the next part to take, and how many are finished. */
    private static final class Region {
        private final int n;
        private final int parts;
        private final RangeBody body;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private volatile Throwable failure;

        Region(int n, int parts, RangeBody body) {
            this.n = n;
            this.parts = parts;
            this.body = body;
        }

        /** Runs parts until none is left to take. */
        void work() {
            for (int part; (part = next.getAndIncrement()) < parts; ) {
                try {
                    body.run(bound(n, parts, part), bound(n, parts, part + 1));
                } catch (Throwable t) {
                    failure = failure == null ? t : failure;
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        void awaitAllParts() {
            // Spin briefly (the usual case: the last part ends within microseconds), then yield the core, which
            // matters when other processes share it and the thread running the last part is waiting for a turn.
            long start = System.nanoTime();
            while (finished.get() < parts) {
                if (System.nanoTime() - start < 50_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** A worker thread that takes parts of the latest region offered to it. */
    private static final class Worker extends Thread {
        private final AtomicReference<Region> offered = new AtomicReference<>();

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        void offer(Region region) {
            offered.set(region);
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            INSIDE.set(Boolean.TRUE);
            long idleSince = System.nanoTime();
            while (true) {
                Region region = offered.get();
                if (region == null) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                // Cleared only if no newer region was offered meanwhile (that one is taken next).
                offered.compareAndSet(region, null);
                region.work();
                idleSince = System.nanoTime();
            }
        }
    }
}
