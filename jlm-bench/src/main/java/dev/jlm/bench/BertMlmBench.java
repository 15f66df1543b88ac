package dev.jlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.cli.LossPlot;
import dev.jlm.cli.TrainCommand;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.BertForMaskedLM;
import dev.jlm.models.bert.MaskedLmTrainer;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.text.TokenizerTrainer;
import dev.jlm.text.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench bert-mlm}: masked-LM pretraining from scratch of a 4-layer, width-256 BERT with a 16k WordPiece
 * vocabulary (trained by jlm) on Reuters-21578 ModApte-train text, for a fixed time; masked-token accuracy on
 * ModApte-test text.
 */
@Command(name = "bert-mlm", mixinStandardHelpOptions = true,
        description = "BERT masked-LM pretraining on Reuters-21578 for M minutes; held-out masked-token accuracy.")
public final class BertMlmBench implements Callable<Integer> {
    @Option(names = "--minutes", description = "Training time (default: ${DEFAULT-VALUE}).")
    double minutes = 30;

    @Option(names = "--quick", description = "Half a minute of training (finishes within 60 s).")
    boolean quick;

    @Option(names = "--data", description = "Reuters-21578 folder or .tar.gz (default: " + BenchData.REUTERS_DEFAULT + ").")
    Path data;

    @Option(names = "--out", description = "Output folder for the model, metrics and plot (default: a temporary folder).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path source = BenchData.reuters(data);
        Reuters21578.ModApte split = Reuters21578.modApte(Reuters21578.read(source));
        List<String> train = split.train().stream().map(ReutersDocument::text).toList();
        List<String> test = split.test().stream().map(ReutersDocument::text).toList();
        long t0 = System.nanoTime();
        WordPieceTokenizer tokenizer = TokenizerTrainer.trainWordPiece(train, 16000, 2, size -> { });
        double tokenizerSeconds = (System.nanoTime() - t0) / 1e9;
        double budget = quick ? 0.5 : minutes;
        BertConfig config = BertConfig.builder().vocabSize(tokenizer.vocabSize()).hiddenSize(256).numHiddenLayers(4).numAttentionHeads(4).intermediateSize(1024).hiddenDropout(0.1f).attentionDropout(0.1f).maxPositionEmbeddings(128).build();
        BertForMaskedLM model = new BertForMaskedLM(config, 1337);
        MaskedLmTrainer.Settings settings = MaskedLmTrainer.Settings.builder().maxSteps(1_000_000).maxSeconds(budget * 60)
                .build();
        Path dir = out != null ? out : Files.createTempDirectory("jlm-bert-mlm");
        LossPlot plot = new LossPlot(dir.resolve("loss.png"), TrainCommand.BertMlm.TITLE);
        MaskedLmTrainer.Result result = new MaskedLmTrainer(model, tokenizer, train, test, settings, dir).run(plot);
        System.out.printf("Reuters-21578 ModApte: %,d training / %,d test documents; WordPiece %,d tokens trained in %.1f s%n",
                train.size(), test.size(), tokenizer.vocabSize(), tokenizerSeconds);
        System.out.printf("BERT 4x256 (%,d parameters), %.1f minutes: %d steps, %,.0f tokens/s%n", model.parameterCount(),
                result.seconds() / 60, result.steps(), result.tokensPerSecond());
        System.out.printf("final training loss %.4f, held-out loss %.4f, masked-token accuracy %.4f%n", result.finalLoss(),
                result.evalLoss(), result.maskedAccuracy());
        System.out.println("plot: " + plot.file());
        var json = new ObjectMapper().createObjectNode().put("bench", "bert-mlm").put("minutes", Math.round(result.seconds() / 6) / 10.0)
                .put("masked_token_accuracy", Math.round(result.maskedAccuracy() * 10000) / 10000.0)
                .put("final_loss", Math.round(result.finalLoss() * 10000) / 10000.0)
                .put("tokens_per_s", Math.round(result.tokensPerSecond())).put("steps", result.steps());
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }
}
