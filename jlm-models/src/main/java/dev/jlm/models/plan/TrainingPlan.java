package dev.jlm.models.plan;

/**
 * Memory per device and compute of training a model in a given setup — the arithmetic of the ZeRO paper (Rajbhandari
 * et al. 2020), Korthikanti et al. 2022 and the scaling laws.
 *
 * <p>Model states, in ZeRO's notation: Ψ parameters, 16-bit weights and gradients (2Ψ + 2Ψ bytes) and K·Ψ bytes of
 * optimizer states (mixed-precision Adam: fp32 master weights, momentum and variance, K = 12). Per device with Nd
 * data-parallel devices: DDP (stage 0) (2 + 2 + K)·Ψ; stage 1 shards the optimizer states, 2Ψ + 2Ψ + K·Ψ/Nd; stage 2
 * also the gradients, 2Ψ + (2 + K)·Ψ/Nd; stage 3 (= FSDP's full sharding) also the weights, (2 + 2 + K)·Ψ/Nd. Other
 * precisions change the byte counts (fp32: 4 + 4 + 8 for Adam), not the sharding.
 *
 * <p>Activations per device, per transformer layer (Korthikanti et al. 2022, eq. 2, no tensor or sequence
 * parallelism): s·b·h·(34 + 5·a·s/h) bytes for sequence length s, micro-batch b, width h and a heads, with 16-bit
 * activations and 1-byte dropout masks; with full activation checkpointing only each layer's 16-bit input is kept,
 * 2·s·b·h bytes. fp32 training keeps the same values at 4 bytes, so both figures double (masks included: a slight
 * overestimate). Embeddings, the logits and the loss are not part of the formula and not counted.
 *
 * <p>LoRA freezes the base: its weights stay (sharded only by stage 3), but gradients and optimizer states exist
 * only for the adapters, and a token costs ≈ 4·N FLOPs instead of 6·N (no weight gradients for the frozen base).
 *
 * <p>Time = FLOPs / (GPUs · peak FLOP/s · MFU); model FLOPs utilization counts the 6·N·D model FLOPs only, so
 * activation recomputation shows up as a lower MFU, not as more FLOPs.
 */
public final class TrainingPlan {
    /**
     * The notes' rule of thumb for fp32 Adam training: ≈ 24 bytes per parameter — 4 weights + 4 gradients + 8 Adam
     * moments + ≈ 8 of activations and overheads.
     */
    public static final int RULE_OF_THUMB_BYTES_PER_PARAMETER = 24;
    /** Sequence length assumed for a bare parameter count (GPT-3's and Chinchilla's context). */
    private static final int DEFAULT_SEQUENCE_LENGTH = 2048;

    private TrainingPlan() {
    }

    /**
     * A training setup; build with {@link #setup()} and the {@code with…} methods. {@code batch} is the micro-batch
     * per device in sequences; a sequence length of 0 means the model's context; 0 tokens means Chinchilla's 20 per
     * parameter; {@code gpuFlops} is one device's peak FLOP/s and {@code mfu} the model FLOPs utilization.
     */
    public record Setup(Precision precision, OptimizerKind optimizer, int batch, int sequenceLength, int gpus,
                        int zeroStage, int loraRank, boolean activationCheckpointing, double tokens, double gpuFlops,
                        double mfu) {
        public Setup {
            if (batch <= 0) {
                throw new IllegalArgumentException("--batch " + batch + " must be positive");
            }
            if (sequenceLength < 0) {
                throw new IllegalArgumentException("--seq-len " + sequenceLength + " must be positive");
            }
            if (gpus <= 0) {
                throw new IllegalArgumentException("--gpus " + gpus + " must be positive");
            }
            if (zeroStage < 0 || zeroStage > 3) {
                throw new IllegalArgumentException("--zero " + zeroStage + " must be 0, 1, 2 or 3");
            }
            if (loraRank < 0) {
                throw new IllegalArgumentException("--lora-rank " + loraRank + " must be positive");
            }
            if (tokens < 0 || Double.isNaN(tokens) || Double.isInfinite(tokens)) {
                throw new IllegalArgumentException("--tokens " + tokens + " must be a positive token count");
            }
            if (!(gpuFlops > 0) || Double.isInfinite(gpuFlops)) {
                throw new IllegalArgumentException("--gpu-flops " + gpuFlops + " must be a positive FLOP/s figure");
            }
            if (!(mfu > 0 && mfu <= 1)) {
                throw new IllegalArgumentException("--mfu " + mfu + " must be in (0, 1]");
            }
        }

        public Setup withPrecision(Precision p) { return new Setup(p, optimizer, batch, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withOptimizer(OptimizerKind o) { return new Setup(precision, o, batch, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withBatch(int b) { return new Setup(precision, optimizer, b, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withSequenceLength(int s) { return new Setup(precision, optimizer, batch, s, gpus, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withGpus(int n) { return new Setup(precision, optimizer, batch, sequenceLength, n, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withZeroStage(int z) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, z, loraRank, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withLoraRank(int r) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, zeroStage, r, activationCheckpointing, tokens, gpuFlops, mfu); }
        public Setup withActivationCheckpointing(boolean on) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, zeroStage, loraRank, on, tokens, gpuFlops, mfu); }
        public Setup withTokens(double d) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, d, gpuFlops, mfu); }
        public Setup withGpuFlops(double f) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, tokens, f, mfu); }
        public Setup withMfu(double u) { return new Setup(precision, optimizer, batch, sequenceLength, gpus, zeroStage, loraRank, activationCheckpointing, tokens, gpuFlops, u); }
    }

    /**
     * Mixed-precision AdamW, micro-batch 1 at the model's context, one GPU, no sharding, no LoRA, no checkpointing,
     * Chinchilla's tokens, an A100's 312 TFLOP/s (bf16 dense) at 40% MFU.
     */
    public static Setup setup() {
        return new Setup(Precision.MIXED, OptimizerKind.ADAMW, 1, 0, 1, 0, 0, false, 0, 312e12, 0.4);
    }

    /** Bytes per device; {@code activations} is null when the model's architecture is unknown. */
    public record Memory(long weights, long gradients, long optimizerStates, Long activations) {
        public long total() {
            return weights + gradients + optimizerStates + (activations == null ? 0 : activations);
        }
    }

    /** What training {@code model} in {@code setup} needs. */
    public record Plan(ModelSpec model, Setup setup, int sequenceLength, long trainableParameters, Memory memoryPerDevice,
                       double ruleOfThumbBytes, double tokens, double flops, double seconds, double petaflopSDays,
                       double chinchillaTokens) {
    }

    public static Plan plan(ModelSpec model, Setup setup) {
        Architecture architecture = model.architecture();
        if (setup.loraRank() > 0 && architecture == null) {
            throw new IllegalArgumentException("--lora-rank needs the model's architecture (a config.json or a known name), not a bare --params count");
        }
        long total = model.parameters();
        long adapters = setup.loraRank() > 0 ? architecture.loraParameters(setup.loraRank()) : 0;
        long trainable = adapters > 0 ? adapters : total;
        Precision precision = setup.precision();
        int k = precision.masterWeightBytes + setup.optimizer().statesPerParameter * precision.stateBytes();
        int stage = setup.zeroStage();
        long weights = shard((total + adapters) * precision.weightBytes, setup.gpus(), stage >= 3);
        long gradients = shard(trainable * precision.gradientBytes, setup.gpus(), stage >= 2);
        long states = shard(trainable * k, setup.gpus(), stage >= 1);
        int sequenceLength = setup.sequenceLength() > 0 ? setup.sequenceLength()
                : architecture != null ? architecture.maxPositions() : DEFAULT_SEQUENCE_LENGTH;
        Long activations = architecture == null ? null
                : activationBytes(architecture, sequenceLength, setup.batch(), precision, setup.activationCheckpointing());
        double tokens = setup.tokens() > 0 ? setup.tokens() : Scaling.chinchillaTokens(total);
        double flops = (adapters > 0 ? 4.0 : 6.0) * total * tokens;
        double seconds = flops / (setup.gpus() * setup.gpuFlops() * setup.mfu());
        return new Plan(model, setup, sequenceLength, trainable, new Memory(weights, gradients, states, activations),
                (double) RULE_OF_THUMB_BYTES_PER_PARAMETER * total, tokens, flops, seconds, Scaling.petaflopSDays(flops),
                Scaling.chinchillaTokens(total));
    }

    private static long shard(long bytes, int devices, boolean sharded) {
        return sharded ? Math.ceilDiv(bytes, devices) : bytes;
    }

    /**
     * Korthikanti et al.'s activations per device: L·s·b·h·(34 + 5·a·s/h) bytes, or L·2·s·b·h with full
     * checkpointing; doubled for fp32 activations.
     */
    public static long activationBytes(Architecture architecture, int sequenceLength, int batch, Precision precision,
                                       boolean checkpointing) {
        double s = sequenceLength;
        double h = architecture.hidden();
        double perLayer = checkpointing ? 2 * s * batch * h
                : s * batch * h * (34 + 5.0 * architecture.heads() * s / h);
        double scale = precision.activationBytes() / 2.0;
        return Math.round(architecture.layers() * perLayer * scale);
    }
}
