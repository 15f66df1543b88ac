package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.BertForMaskedLM;
import dev.jlm.tensor.F;
import dev.jlm.tensor.GradMode;
import dev.jlm.tensor.Tensor;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import dev.jlm.tensor.io.SafeTensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm fill-mask}: the most likely tokens for a text's [MASK]. */
@Command(name = "fill-mask", mixinStandardHelpOptions = true,
        description = "Predict the [MASK] token of a text with a masked-LM BERT.")
public final class FillMaskCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model directory (BertForMaskedLM) or offline name.")
    String model;
    @Option(names = "--top-k", description = "Predictions to show (default: ${DEFAULT-VALUE}).")
    int topK = 5;
    @Option(names = "--json", description = "Print {\"predictions\":[{\"token\":…,\"id\":…,\"score\":…},…]}.")
    boolean json;
    @Parameters(index = "0", paramLabel = "TEXT", description = "Text with one [MASK].")
    String text;

    @Override
    public Integer call() throws Exception {
        Path dir = PretrainedModels.resolve(model);
        try (SafeTensors weights = SafeTensors.open(dir.resolve("model.safetensors"))) {
            if (!weights.contains("cls.predictions.bias")) {
                throw new IllegalArgumentException(model + " has no masked-LM head (cls.predictions.*); fill-mask needs a BertForMaskedLM");
            }
        }
        BertForMaskedLM mlm = BertForMaskedLM.fromPretrained(dir);
        mlm.eval();
        Tokenizer tokenizer = Tokenizers.load(dir.toString());
        Encoding e = tokenizer.encode(text);
        int maskId = tokenizer.tokenToId("[MASK]");
        int at = -1;
        for (int i = 0; i < e.length(); i++) {
            if (e.ids()[i] == maskId) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            throw new IllegalArgumentException("the text has no [MASK] token");
        }
        float[] probs;
        try (var off = GradMode.off()) {
            Tensor logits = mlm.forward(e.ids(), e.typeIds(), e.attentionMask(), 1, e.length());
            probs = F.softmax(logits.select(1, at).select(0, 0), -1).toArray();
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < probs.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Float.compare(probs[b], probs[a]));
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (int id : order.subList(0, Math.min(topK, order.size()))) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("token", tokenizer.idToToken(id));
            p.put("id", id);
            p.put("score", probs[id]);
            predictions.add(p);
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(Map.of("predictions", predictions)));
        } else {
            predictions.forEach(p -> System.out.printf("%-15s %.4f%n", p.get("token"), (Float) p.get("score")));
        }
        return 0;
    }
}
