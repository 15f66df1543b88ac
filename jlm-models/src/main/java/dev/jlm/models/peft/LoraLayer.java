package dev.jlm.models.peft;

import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.nn.Adapter;
import dev.jlm.tensor.nn.Dropout;
import dev.jlm.tensor.nn.Linear;
import dev.jlm.tensor.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PEFT's {@code LoraLayer} on one linear layer: y = base(x) + dropout(x)·Aᵀ·Bᵀ·scaling with A [r, in] and B [out, r].
 * A starts Kaiming-uniform (PEFT's {@code kaiming_uniform_(a=√5)}, which is U(−1/√in, 1/√in)) and B at zero, so the
 * adapted layer starts as the base layer. Merging adds scaling·B·A into the base weight (transposed for a weight
 * stored [in, out]) and stops the side path; unmerging subtracts it again.
 */
public final class LoraLayer implements Adapter {
    public final Linear loraA;
    public final Linear loraB;
    private final Dropout dropout;
    private final float scaling;
    private final Tensor baseWeight;
    private final boolean fanInFanOut;
    private boolean merged;

    /**
     * An adapter of rank {@code r} for a layer mapping {@code in} to {@code out} features whose weight is
     * {@code baseWeight} ([out, in], or [in, out] with {@code fanInFanOut}).
     */
    LoraLayer(Tensor baseWeight, boolean fanInFanOut, int in, int out, LoraConfig config, SplittableRandom random) {
        int r = config.r();
        this.baseWeight = baseWeight;
        this.fanInFanOut = fanInFanOut;
        this.loraA = new Linear(in, r, false, random);
        this.loraB = new Linear(r, out, false, 0f, random);
        this.dropout = new Dropout(config.loraDropout(), random.split());
        this.scaling = config.scaling();
    }

    @Override
    public Map<String, Module> modules() {
        Map<String, Module> modules = new LinkedHashMap<>();
        modules.put("lora_dropout", dropout);
        modules.put("lora_A", loraA);
        modules.put("lora_B", loraB);
        return modules;
    }

    @Override
    public Tensor forward(Tensor input, Tensor baseOutput) {
        if (merged) {
            return baseOutput;
        }
        return baseOutput.add(loraB.forward(loraA.forward(dropout.forward(input))).mul(scaling));
    }

    public float scaling() {
        return scaling;
    }

    public boolean merged() {
        return merged;
    }

    /** Adds scaling·B·A into the base weight; the layer then computes the same outputs with one matmul. */
    public void merge() {
        if (merged) {
            throw new IllegalStateException("adapter already merged");
        }
        try (var noGrad = GradMode.off()) {
            baseWeight.assign(baseWeight.add(delta()));
        }
        merged = true;
    }

    /** Subtracts what {@link #merge} added, so the adapter trains or detaches again. */
    public void unmerge() {
        if (!merged) {
            throw new IllegalStateException("adapter not merged");
        }
        try (var noGrad = GradMode.off()) {
            baseWeight.assign(baseWeight.sub(delta()));
        }
        merged = false;
    }

    /** scaling·B·A in the base weight's layout. */
    private Tensor delta() {
        Tensor delta = loraB.weight.matmul(loraA.weight).mul(scaling);
        return fanInFanOut ? delta.transpose(0, 1) : delta;
    }
}
