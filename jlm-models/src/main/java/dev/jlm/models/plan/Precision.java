package dev.jlm.models.plan;

/**
 * How weights, gradients and optimizer states are stored, in bytes per parameter. {@code MIXED} is mixed-precision
 * training as ZeRO counts it: 16-bit (fp16 or bf16) weights and gradients, plus an fp32 master copy of the weights
 * kept with the optimizer states (so Adam's K is 4 + 4 + 4 = 12).
 */
public enum Precision {
    FP32(4, 4, 0),
    BF16(2, 2, 0),
    FP16(2, 2, 0),
    MIXED(2, 2, 4);

    /** Bytes per weight as the forward pass reads it. */
    public final int weightBytes;
    /** Bytes per gradient. */
    public final int gradientBytes;
    /** Bytes per parameter of the fp32 master weights that belong to the optimizer (ZeRO's K includes them). */
    public final int masterWeightBytes;

    Precision(int weightBytes, int gradientBytes, int masterWeightBytes) {
        this.weightBytes = weightBytes;
        this.gradientBytes = gradientBytes;
        this.masterWeightBytes = masterWeightBytes;
    }

    /** Bytes of one optimizer state value: fp32 with a master copy or in fp32 training, else the weights' dtype. */
    int stateBytes() {
        return this == MIXED ? 4 : weightBytes;
    }

    /** Bytes per activation value: 16-bit unless training is fp32 throughout. */
    int activationBytes() {
        return this == FP32 ? 4 : 2;
    }
}
