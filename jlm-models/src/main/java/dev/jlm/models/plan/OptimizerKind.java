package dev.jlm.models.plan;

/** The optimizer whose states the planner counts, by how many values it keeps per parameter. */
public enum OptimizerKind {
    /** Adam / AdamW: first and second moments. */
    ADAMW(2),
    /** SGD with momentum: one velocity. */
    SGD(1),
    /**
     * Adafactor without momentum: factored second moments, one value per row and per column of each matrix — under
     * 0.1% of the parameters for transformer-sized matrices, so counted as none.
     */
    ADAFACTOR(0);

    /** Optimizer-state values kept per parameter. */
    public final int statesPerParameter;

    OptimizerKind(int statesPerParameter) {
        this.statesPerParameter = statesPerParameter;
    }
}
