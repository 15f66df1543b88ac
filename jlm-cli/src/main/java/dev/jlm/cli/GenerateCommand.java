package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.gpt.Generator;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.text.DecodeStream;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm generate}: continue a prompt with a GPT model, streaming tokens as they come. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text with a GPT model (Hugging Face layout directory).")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model directory (config.json, model.safetensors, tokenizer).")
    Path model;
    @Option(names = "--adapter", description = PeftCommand.ADAPTER_HELP)
    Path adapter;
    @Option(names = "--prompt", description = "Prompt text (encoded with the model's tokenizer).")
    String prompt;
    @Option(names = "--prompt-ids", split = ",", description = "Prompt as comma-separated token ids, e.g. 1,2,3.")
    int[] promptIds;
    @Option(names = "--max-new-tokens", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens = 200;
    @Option(names = "--greedy", description = "Always take the most likely token.")
    boolean greedy;
    @Option(names = "--temperature", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    float temperature = 1f;
    @Option(names = "--top-k", description = "Sample among the k most likely tokens, 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;
    @Option(names = "--top-p", description = "Nucleus sampling: smallest set with this probability (default: ${DEFAULT-VALUE}).")
    float topP = 1f;
    @Option(names = "--repetition-penalty", description = "Penalty for tokens already present, 1 = none (default: ${DEFAULT-VALUE}).")
    float repetitionPenalty = 1f;
    @Option(names = "--stop", description = "Stop when the generated text contains this string (repeatable).")
    List<String> stop = new ArrayList<>();
    @Option(names = "--eos-token-id", description = "Stop after this token id (default: the model's, if any).")
    Integer eosTokenId;
    @Option(names = "--seed", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed = 1337;
    @Option(names = "--num-samples", description = "Independent samples to draw (default: ${DEFAULT-VALUE}).")
    int numSamples = 1;
    @Option(names = "--json", description = "Print {\"ids\":[...]} (prompt followed by new tokens), one line per sample.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptIds == null)) {
            throw new IllegalArgumentException("give exactly one of --prompt and --prompt-ids");
        }
        Gpt gpt = Gpt.fromPretrained(model);
        PeftCommand.applyAdapter(gpt, adapter);
        Tokenizer tokenizer = prompt != null || !json || !stop.isEmpty() ? Tokenizers.load(model.toString()) : null;
        int[] ids = prompt != null ? tokenizer.encode(prompt).ids() : promptIds;
        for (int id : ids) {
            if (id < 0 || id >= gpt.config.vocabSize()) {
                throw new IllegalArgumentException("--prompt-ids: token " + id + " is outside the vocabulary of " + gpt.config.vocabSize());
            }
        }
        int eos = eosTokenId != null ? eosTokenId : gpt.config.eosTokenId();
        var out = System.out;
        for (int sample = 0; sample < numSamples; sample++) {
            Generator.Settings settings = (greedy ? Generator.Settings.greedy(maxNewTokens) : Generator.Settings.sampling(maxNewTokens))
                    .withTemperature(temperature).withTopK(topK).withTopP(topP).withRepetitionPenalty(repetitionPenalty)
                    .withSeed(seed + sample).withEosTokenId(eos).withStopStrings(stop);
            DecodeStream decoder = json ? null : tokenizer.decodeStream(true);
            Generator.Listener stream = json ? null : id -> {
                out.print(decoder.step(id));
                out.flush();
                return true;
            };
            if (!json) {
                out.print(prompt != null ? prompt : tokenizer.decode(ids, false));
            }
            int[] result = Generator.generate(gpt, ids, settings, tokenizer, stream);
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(Map.of("ids", Arrays.stream(result).boxed().toList())));
            } else {
                out.println();
                if (sample + 1 < numSamples) {
                    out.println("---------------");
                }
            }
        }
        return 0;
    }
}
