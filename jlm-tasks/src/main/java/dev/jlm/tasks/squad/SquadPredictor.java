package dev.jlm.tasks.squad;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertForQuestionAnswering;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A question-answering model with its tokenizer, and the whole prediction path: examples → windows → logits →
 * answers, written as {@code run_qa.py} writes them ({@code predictions.json}, {@code nbest_predictions.json},
 * {@code null_odds.json}).
 */
public record SquadPredictor(BertForQuestionAnswering model, Tokenizer tokenizer, Options options) {

    /** run_qa.py's defaults: 384-token windows overlapping by 128, 20-best, answers of at most 30 tokens. */
    public record Options(int maxLength, int stride, int nBest, int maxAnswerLength, int batchSize) {
        public static final Options DEFAULT = new Options(384, 128, 20, 30, 32);
    }

    /**
     * A model directory: a fine-tuned {@code BertForQuestionAnswering} (with {@code qa_outputs}), or a plain BERT
     * encoder that gets a fresh span head (seeded) for fine-tuning. The tokenizer is the directory's.
     */
    public static SquadPredictor load(Path directory, Options options, long seed) throws IOException {
        Path weights = directory.resolve("model.safetensors");
        boolean hasHead = false;
        if (Files.isRegularFile(weights)) {
            try (SafeTensors st = SafeTensors.open(weights)) {
                hasHead = st.entries().containsKey("qa_outputs.weight");
            }
        }
        BertForQuestionAnswering model = hasHead ? BertForQuestionAnswering.fromPretrained(directory)
                : new BertForQuestionAnswering(Bert.fromPretrained(directory), seed);
        Path tokenizerFile = directory.resolve("tokenizer.json");
        Path vocab = directory.resolve("vocab.txt");
        if (!Files.isRegularFile(tokenizerFile) && !Files.isRegularFile(vocab)) {
            throw new IOException(directory + ": no tokenizer.json or vocab.txt");
        }
        Tokenizer tokenizer = Tokenizers.load((Files.isRegularFile(tokenizerFile) ? tokenizerFile : vocab).toString());
        return new SquadPredictor(model, tokenizer, options);
    }

    public List<SquadFeatures.Feature> features(List<SquadFeatures.Example> examples) {
        return SquadFeatures.features(examples, tokenizer, options.maxLength(), options.stride());
    }

    /**
     * Answers for every example; {@code v2} adds the null answer with the given score-difference threshold.
     * {@code progress} hears (windows done, windows in all).
     */
    public SquadPostprocessor.Predictions predict(List<SquadFeatures.Example> examples, boolean v2, double nullScoreDiffThreshold,
                                                  BiConsumer<Integer, Integer> progress) {
        List<SquadFeatures.Feature> features = features(examples);
        SquadFineTuner.Logits logits = SquadFineTuner.predict(model, features, options.batchSize(),
                done -> progress.accept(done, features.size()));
        return SquadPostprocessor.postprocess(examples, features, logits.starts(), logits.ends(), v2, options.nBest(),
                options.maxAnswerLength(), nullScoreDiffThreshold);
    }

    /** {@code predictions.json}, {@code nbest_predictions.json} and, for SQuAD 2.0, {@code null_odds.json} in {@code directory}. */
    public static void write(SquadPostprocessor.Predictions predictions, Path directory, boolean v2) throws IOException {
        Files.createDirectories(directory);
        writeJson(directory.resolve("predictions.json"), predictions.predictions());
        Map<String, Object> nBest = new LinkedHashMap<>();
        predictions.nBest().forEach((id, candidates) -> nBest.put(id, candidates.stream().map(c -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("text", c.text());
            entry.put("probability", c.probability());
            entry.put("start_logit", c.startLogit());
            entry.put("end_logit", c.endLogit());
            return entry;
        }).toList()));
        writeJson(directory.resolve("nbest_predictions.json"), nBest);
        if (v2) {
            writeJson(directory.resolve("null_odds.json"), predictions.nullOdds());
        }
    }

    private static void writeJson(Path file, Object value) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), value);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
