package dev.jlm.tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where op outputs and intermediate gradients get their storage. Outside a {@link Scope} every buffer is a fresh
 * array left to the garbage collector; inside one, buffers come from a pool and go back to it when the scope closes,
 * so a steady-state training step (same shapes every step) allocates nothing large. Buffers are made in size
 * classes (sizes rounded up to 1/8 of their power of two) and a request takes a pooled buffer of its class or of a
 * class up to a quarter longer, so that batches whose shapes change (variable-length inference, each batch a little
 * shorter than the last) reuse each other's buffers instead of allocating, zeroing and collecting fresh ones. A
 * tensor uses the first {@code numel} values of its buffer.
 */
public final class Memory {
    private static final ConcurrentSkipListMap<Integer, ArrayDeque<float[]>> POOL = new ConcurrentSkipListMap<>();
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();
    private static final java.util.concurrent.atomic.LongAdder FRESH_BYTES = new java.util.concurrent.atomic.LongAdder();
    /** Bytes held by the pool; beyond a quarter of the heap, released buffers go to the garbage collector instead. */
    private static final java.util.concurrent.atomic.AtomicLong POOLED_BYTES = new java.util.concurrent.atomic.AtomicLong();
    private static final long POOL_LIMIT = Runtime.getRuntime().maxMemory() / 4;

    private Memory() {
    }

    /**
     * A region whose op outputs are recycled at {@link #close()}: every tensor computed inside it (activations,
     * losses, intermediate gradients) must not be used afterwards — copy out what must survive with
     * {@link Tensor#copy()} made after the scope, or read its values before closing. Parameters, their gradients
     * and tensors made with the public factories ({@code Tensor.zeros}, {@code Tensor.of}…) are never recycled.
     */
    public static Scope scope() {
        Scope scope = new Scope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** A buffer for an op's output or an intermediate gradient; zero-filled when {@code zeroed}. */
    static float[] allocate(int size, boolean zeroed) {
        Scope scope = CURRENT.get();
        if (scope == null) {
            return new float[size];
        }
        int capacity = pooledLength(size);
        float[] buffer = null;
        for (ArrayDeque<float[]> free : POOL.subMap(capacity, true, (int) Math.min(Integer.MAX_VALUE, capacity + capacity / 4L), true).values()) {
            synchronized (free) {
                buffer = free.poll();
            }
            if (buffer != null) {
                POOLED_BYTES.addAndGet(-4L * buffer.length);
                break;
            }
        }
        if (buffer == null) {
            buffer = new float[capacity];
            FRESH_BYTES.add(4L * capacity);
        } else if (zeroed) {
            java.util.Arrays.fill(buffer, 0, size, 0f);
        }
        scope.owned.add(buffer);
        return buffer;
    }

    /**
     * The length of the buffer a scope gives a tensor of {@code size} floats: size rounded up to a multiple of 1/8 of
     * its highest power of two (of 16 below 128).
     */
    public static int pooledLength(int size) {
        int unit = size < 128 ? 16 : Integer.highestOneBit(size) >> 3;
        return (int) Math.min(Integer.MAX_VALUE - 8, ((long) size + unit - 1) / unit * unit);
    }

    /**
     * Gives a buffer of the current scope back to the pool before the scope closes, for storage that is provably
     * dead (an intermediate gradient once its backward step has run). Buffers the current scope does not own are
     * left alone.
     */
    static void release(float[] buffer) {
        Scope scope = CURRENT.get();
        if (scope != null && scope.owned.remove(buffer)) {
            scope.recycle(buffer);
        }
    }

    /** Bytes of new arrays that scopes have had to allocate so far (a steady-state step should add none). */
    public static long freshScopedBytes() {
        return FRESH_BYTES.sum();
    }

    /** See {@link #scope()}. */
    public static final class Scope implements AutoCloseable {
        private final Scope parent;
        private final Set<float[]> owned = Collections.newSetFromMap(new IdentityHashMap<>());

        private Scope(Scope parent) {
            this.parent = parent;
        }

        @Override
        public void close() {
            for (float[] buffer : owned) {
                recycle(buffer);
            }
            owned.clear();
            CURRENT.set(parent);
        }

        private void recycle(float[] buffer) {
            if (POOLED_BYTES.addAndGet(4L * buffer.length) > POOL_LIMIT) {
                // Shapes that keep changing (variable-length batches) would grow the pool without bound.
                POOLED_BYTES.addAndGet(-4L * buffer.length);
                return;
            }
            ArrayDeque<float[]> free = POOL.computeIfAbsent(buffer.length, n -> new ArrayDeque<>());
            synchronized (free) {
                free.push(buffer);
            }
        }
    }
}
