package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.tensor.F;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Memory;
import dev.jlm.tensor.Tensor;
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

    @Option(names = "--json", description = "Print {\"loss\":…,\"perplexity\":…,\"tokens\":…}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Gpt gpt = Gpt.fromPretrained(model);
        gpt.eval();
        List<int[]> inputs = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        if (input.tokenFile != null) {
            readTokenFile(input.tokenFile, inputs, targets, gpt.config.vocabSize());
        } else {
            int[] ids = Tokenizers.load(model.toString()).encode(Files.readString(input.textFile), null,
                    EncodeOptions.DEFAULT.withoutSpecialTokens()).ids();
            // Consecutive windows of the block size, each predicting its next tokens.
            int block = gpt.config.blockSize();
            for (int start = 0; start + 1 < ids.length; start += block) {
                int end = Math.min(ids.length - 1, start + block);
                inputs.add(java.util.Arrays.copyOfRange(ids, start, end));
                targets.add(java.util.Arrays.copyOfRange(ids, start + 1, end + 1));
            }
            if (inputs.isEmpty()) {
                throw new IllegalArgumentException(input.textFile + ": needs at least two tokens");
            }
        }
        double sum = 0;
        long count = 0;
        try (var off = GradMode.off()) {
            for (int i = 0; i < inputs.size(); i++) {
                int[] x = inputs.get(i);
                if (x.length > gpt.config.blockSize()) {
                    throw new IllegalArgumentException("sequence " + i + " has " + x.length + " tokens, the model's block size is "
                            + gpt.config.blockSize());
                }
                try (var scope = Memory.scope()) {
                    Tensor logits = gpt.forward(x, 1, x.length);
                    int valid = (int) java.util.Arrays.stream(targets.get(i)).filter(t -> t != -100 && t != -1).count();
                    if (valid == 0) {
                        continue;
                    }
                    int[] y = targets.get(i).clone();
                    for (int j = 0; j < y.length; j++) {
                        y[j] = y[j] == -100 ? -1 : y[j];
                    }
                    sum += (double) F.crossEntropy(logits, y, -1).item() * valid;
                    count += valid;
                }
            }
        }
        double loss = sum / count;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("loss", loss);
        result.put("perplexity", Math.exp(loss));
        result.put("tokens", count);
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            System.out.printf("loss %.4f, perplexity %.3f over %,d tokens%n", loss, Math.exp(loss), count);
        }
        return 0;
    }

    private static void readTokenFile(Path file, List<int[]> inputs, List<int[]> targets, int vocab) throws IOException {
        JsonNode root = dev.jlm.tensor.io.JsonFiles.read(file);
        JsonNode ids = root.get("input_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty()) {
            throw new IOException(file + ": needs \"input_ids\", a non-empty array of token id lists");
        }
        JsonNode given = root.get("targets");
        for (int i = 0; i < ids.size(); i++) {
            int[] x = ints(ids.get(i), file, "input_ids[" + i + "]", vocab);
            if (x.length < (given == null ? 2 : 1)) {
                throw new IOException(file + ": input_ids[" + i + "] is too short");
            }
            if (given == null) {
                inputs.add(java.util.Arrays.copyOf(x, x.length - 1));
                targets.add(java.util.Arrays.copyOfRange(x, 1, x.length));
            } else {
                int[] y = ints(given.get(i), file, "targets[" + i + "]", vocab);
                if (y.length != x.length) {
                    throw new IOException(file + ": targets[" + i + "] has " + y.length + " ids, input_ids[" + i + "] has " + x.length);
                }
                inputs.add(x);
                targets.add(y);
            }
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
