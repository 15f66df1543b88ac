package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.Perplexity;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm perplexity}: mean next-token cross-entropy of a GPT on token ids or text. */
@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Mean next-token loss and perplexity of a GPT model on tokens or text.")
public final class PerplexityCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model directory.")
    Path model;

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--token-file", description = "JSON object with input_ids (a batch of id lists) and optional targets.")
        Path tokenFile;
        @Option(names = "--text-file", description = "Text, tokenized with the model's tokenizer.")
        Path textFile;
    }

    @Option(names = "--adapter", description = PeftCommand.ADAPTER_HELP)
    Path adapter;
    @Option(names = "--json", description = "Print {\"loss\":…,\"perplexity\":…,\"tokens\":…}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Gpt gpt = Gpt.fromPretrained(model);
        PeftCommand.applyAdapter(gpt, adapter);
        Perplexity.Result result;
        if (input.tokenFile != null) {
            result = scoreTokenFile(gpt, input.tokenFile);
        } else {
            int[] ids = Tokenizers.load(model.toString()).encode(Files.readString(input.textFile), null,
                    EncodeOptions.DEFAULT.withoutSpecialTokens()).ids();
            try {
                result = Perplexity.slidingWindows(gpt, ids, gpt.contextSize());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(input.textFile + ": " + e.getMessage(), e);
            }
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("loss", result.loss());
            out.put("perplexity", result.perplexity());
            out.put("tokens", result.tokens());
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("loss %.4f, perplexity %.3f over %,d tokens%n", result.loss(), result.perplexity(), result.tokens());
        }
        return 0;
    }

    /** input_ids scored on their own next tokens, or on the given targets (-100 or -1: not scored). */
    private static Perplexity.Result scoreTokenFile(Gpt gpt, Path file) throws IOException {
        int vocab = gpt.config.vocabSize();
        JsonNode root = dev.jlm.tensor.io.JsonFiles.read(file);
        JsonNode ids = root.get("input_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new IOException(file + ": needs \"input_ids\", a non-empty array of token id lists");
        }
        JsonNode given = root.get("targets");
        List<int[]> inputs = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            int[] x = ints(ids.get(i), file, "input_ids[" + i + "]", vocab);
            if (x.length < (given == null ? 2 : 1)) {
                throw new IOException(file + ": input_ids[" + i + "] is too short");
            }
            inputs.add(x);
            if (given != null) {
                int[] y = ints(given.get(i), file, "targets[" + i + "]", vocab);
                if (y.length != x.length) {
                    throw new IOException(file + ": targets[" + i + "] has " + y.length + " ids, input_ids[" + i + "] has " + x.length);
                }
                targets.add(y);
            }
        }
        try {
            return given == null ? Perplexity.ofSequences(gpt, inputs) : Perplexity.ofTargets(gpt, inputs, targets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static int[] ints(JsonNode node, Path file, String field, int vocab) throws IOException {
        if (node == null || !node.isArray()) {
            throw new IOException(file + ": " + field + " is not an array of token ids");
        }
        int[] out = new int[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.canConvertToInt() || (v.asInt() >= vocab && !field.startsWith("targets")) || (v.asInt() < 0 && v.asInt() != -100 && v.asInt() != -1)) {
                throw new IOException(file + ": " + field + "[" + i + "] = " + v + " is not a token id of this model (vocabulary " + vocab + ")");
            }
            out[i] = v.asInt();
        }
        return out;
    }
}
