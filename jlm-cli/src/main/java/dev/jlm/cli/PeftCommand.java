package dev.jlm.cli;

import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.peft.LoraConfig;
import dev.jlm.models.peft.LoraModel;
import dev.jlm.models.peft.PeftModel;
import dev.jlm.tasks.reuters.ReutersFineTuner;
import dev.jlm.tensor.io.JsonFiles;
import dev.jlm.tensor.nn.Module;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/** {@code jlm peft …}: working with PEFT adapter folders. */
@Command(name = "peft", mixinStandardHelpOptions = true, description = "Work with PEFT adapters (LoRA).",
        subcommands = {PeftCommand.Merge.class})
public final class PeftCommand implements Runnable {
    /** The {@code --adapter} flag's help, the same on every command that loads a model. */
    static final String ADAPTER_HELP = "A PEFT adapter folder (LoRA or prompt tuning: adapter_config.json, "
            + "adapter_model.safetensors) applied to --model.";

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /**
     * Applies the adapter folder {@code adapter} to {@code model}, merging LoRA adapters so inference runs at the
     * base's speed; null does nothing.
     */
    static void applyAdapter(Module model, Path adapter) throws IOException {
        if (adapter != null && PeftModel.load(model, adapter) instanceof LoraModel lora) {
            lora.merge();
        }
    }

    /** {@code jlm peft merge}: the base model with an adapter merged in, as an ordinary checkpoint. */
    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Merge a LoRA adapter into its base model (PEFT's merge_and_unload) and save the result as an "
                    + "ordinary model folder that needs no adapter.")
    public static final class Merge implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "The base model: a directory or an offline name.")
        String model;
        @Option(names = "--adapter", required = true, description = "The adapter folder.")
        Path adapter;
        @Option(names = "--out", required = true, description = "Where the merged model goes.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path base = PretrainedModels.resolve(model);
            Path adapterConfig = adapter.resolve(LoraConfig.FILE_NAME);
            if (Files.isRegularFile(adapterConfig) && !"LORA".equals(JsonFiles.read(adapterConfig).path("peft_type").asText())) {
                throw new IllegalArgumentException(adapterConfig + ": peft_type is " + JsonFiles.read(adapterConfig).path("peft_type").asText()
                        + "; only LoRA adapters merge into their base (apply a soft prompt with --adapter)");
            }
            if (Files.isRegularFile(adapter.resolve(ReutersFineTuner.LABELS_FILE))) {
                // A Reuters classifier: the merged model keeps its head, labels and thresholds, for 'eval reuters'.
                ReutersFineTuner.Classifier.load(base, adapter).save(out);
                System.out.println("merged " + adapter + " into " + base + " → " + out);
                return 0;
            }
            Path configFile = base.resolve("config.json");
            String type = JsonFiles.read(configFile).path("model_type").asText("");
            LoraModel lora;
            switch (type) {
                case "gpt2" -> {
                    Gpt gpt = Gpt.fromPretrained(base);
                    lora = LoraModel.load(gpt, adapter);
                    lora.mergeAndUnload();
                    gpt.savePretrained(out);
                }
                case "bert" -> {
                    Bert bert = Bert.fromPretrained(base);
                    lora = LoraModel.load(bert, adapter);
                    lora.mergeAndUnload();
                    bert.savePretrained(out);
                    Path pooling = base.resolve(SentenceEmbedder.POOLING_FILE);
                    if (Files.isRegularFile(pooling)) {
                        Files.copy(pooling, out.resolve(SentenceEmbedder.POOLING_FILE), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                default -> throw new IllegalArgumentException(configFile + ": model_type '" + type
                        + "' is neither gpt2 nor bert, so jlm cannot merge into it");
            }
            Tokenizers.load(base.toString()).save(out);
            System.out.println("merged " + lora.targetNames().size() + " adapted layers of " + adapter + " into " + base
                    + " → " + out);
            return 0;
        }
    }
}
