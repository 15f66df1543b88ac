package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.FillMask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
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
    @Option(names = "--adapter", description = PeftCommand.ADAPTER_HELP)
    Path adapter;
    @Option(names = "--top-k", description = "Predictions to show (default: ${DEFAULT-VALUE}).")
    int topK = 5;
    @Option(names = "--json", description = "Print {\"predictions\":[{\"token\":…,\"id\":…,\"score\":…},…]}.")
    boolean json;
    @Parameters(index = "0", paramLabel = "TEXT", description = "Text with one [MASK].")
    String text;

    @Override
    public Integer call() throws Exception {
        FillMask fillMask = FillMask.fromPretrained(PretrainedModels.resolve(model));
        PeftCommand.applyAdapter(fillMask.model(), adapter);
        List<FillMask.Prediction> predictions = fillMask.fill(text, topK);
        if (json) {
            List<Map<String, Object>> rows = predictions.stream().map(p -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("token", p.token());
                row.put("id", p.id());
                row.put("score", p.score());
                return row;
            }).toList();
            System.out.println(new ObjectMapper().writeValueAsString(Map.of("predictions", rows)));
        } else {
            predictions.forEach(p -> System.out.printf("%-15s %.4f%n", p.token(), p.score()));
        }
        return 0;
    }
}
