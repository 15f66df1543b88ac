package dev.jlm.cli;

import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.SentenceEmbedder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm similarity}: cosine similarity of two texts' sentence embeddings. */
@Command(name = "similarity", mixinStandardHelpOptions = true, description = "Cosine similarity of two texts.")
public final class SimilarityCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Offline model name or model directory (default: ${DEFAULT-VALUE}).")
    String model = "sentence-transformers/all-MiniLM-L6-v2";

    @Parameters(arity = "2", paramLabel = "TEXT", description = "The two texts.")
    List<String> texts;

    @Override
    public Integer call() throws Exception {
        SentenceEmbedder embedder = SentenceEmbedder.load(PretrainedModels.resolve(model));
        float[][] v = embedder.embed(texts, 2, false);
        System.out.printf("%.4f%n", SentenceEmbedder.cosine(v[0], v[1]));
        return 0;
    }
}
