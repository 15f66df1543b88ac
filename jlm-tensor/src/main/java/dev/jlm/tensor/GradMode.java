package dev.jlm.tensor;

/** Whether ops record the graph for backward. {@code try (var off = GradMode.off()) {…}} is inference mode. */
public final class GradMode {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private GradMode() {
    }

    public static boolean enabled() {
        return ENABLED.get();
    }

    /** Turns recording off until the returned guard is closed (then restores the previous state). */
    public static Guard off() {
        boolean previous = ENABLED.get();
        ENABLED.set(Boolean.FALSE);
        return () -> ENABLED.set(previous);
    }

    /** Restores the previous grad mode on close. */
    public interface Guard extends AutoCloseable {
        @Override
        void close();
    }
}
