package dev.jlm.models.plan;

/**
 * Training compute and compute-optimal sizes. Training costs ≈ 6·N·D FLOPs (Kaplan et al. 2020: 2·N per token
 * forward, 4·N backward); Chinchilla (Hoffmann et al. 2022) finds the loss-optimal split of a budget at ≈ 20 tokens
 * per parameter, so C = 6·N·20·N = 120·N², N = √(C/120), D = 20·N.
 */
public final class Scaling {
    /** Chinchilla's compute-optimal tokens per parameter. */
    public static final double TOKENS_PER_PARAMETER = 20;
    /** One petaflop/s-day: 10¹⁵ FLOP/s for 86,400 s. */
    public static final double PETAFLOP_S_DAY = 1e15 * 86_400;

    private Scaling() {
    }

    /** A FLOP budget's compute-optimal model and data sizes. */
    public record ComputeOptimal(double flops, double parameters, double tokens) {
    }

    /** 6·N·D. */
    public static double trainingFlops(double parameters, double tokens) {
        return 6 * parameters * tokens;
    }

    /** D = 20·N. */
    public static double chinchillaTokens(double parameters) {
        return TOKENS_PER_PARAMETER * parameters;
    }

    /** N = √(C / (6·20)), D = 20·N. */
    public static ComputeOptimal computeOptimal(double flops) {
        if (!(flops > 0) || Double.isInfinite(flops)) {
            throw new IllegalArgumentException("--flops " + flops + " must be a positive FLOP budget");
        }
        double parameters = Math.sqrt(flops / (6 * TOKENS_PER_PARAMETER));
        return new ComputeOptimal(flops, parameters, chinchillaTokens(parameters));
    }

    public static double petaflopSDays(double flops) {
        return flops / PETAFLOP_S_DAY;
    }
}
