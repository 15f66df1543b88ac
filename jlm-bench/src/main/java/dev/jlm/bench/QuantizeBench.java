package dev.jlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.models.PretrainedModels;
import dev.jlm.models.bert.SentenceEmbedder;
import dev.jlm.models.gpt.Generator;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.gpt.GptTrainer;
import dev.jlm.models.gpt.Perplexity;
import dev.jlm.models.quant.Quantizer;
import dev.jlm.models.train.TextCorpus;
import dev.jlm.tasks.reuters.Reuters21578;
import dev.jlm.tasks.reuters.ReutersDocument;
import dev.jlm.tensor.kernels.Parallel;
import dev.jlm.tensor.kernels.QuantizedGemm.Format;
import dev.jlm.tensor.nn.QuantizableLayer;
import dev.jlm.text.EncodeOptions;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./jlm bench quantize}: what int8 / bf16 weights cost in quality and buy in speed and size. A character GPT
 * trained here on tiny Shakespeare, scored on its validation split from fp32, int8 and bf16 checkpoints;
 * all-MiniLM-L6-v2 embeddings of Reuters sentences, int8 against fp32 (worst and mean cosine); GPT-2-124M-shaped
 * decoding (random weights, batch 1) with fp32 and with int8 weights and tables; the checkpoints' sizes.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "int8/bf16 weights: GPT perplexity and MiniLM cosine against fp32, GPT-2-124M decode speed, checkpoint sizes.")
public final class QuantizeBench implements Callable<Integer> {
    @Option(names = "--quick", description = "A smaller GPT trained 300 iterations, 300 sentences, short decodes (finishes within 60 s).")
    boolean quick;

    @Option(names = "--data", description = "Reuters-21578 folder or .tar.gz (default: " + BenchData.REUTERS_DEFAULT + ").")
    Path data;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("jlm-bench-quantize");
        // Perplexity: a char GPT (nanoGPT's shakespeare-char shape in the full run) on the validation split.
        String text = TextCorpus.tinyShakespeare();
        GptTrainer.Settings settings = GptTrainer.Settings.builder().maxIters(quick ? 300 : 2000).evalInterval(quick ? 300 : 500)
                .evalIters(quick ? 2 : 20).build();
        int layers = quick ? 2 : 4;
        int width = quick ? 64 : 128;
        GptTrainer trainer = GptTrainer.onText(text, "char", vocab -> GptConfig.builder().vocabSize(vocab).blockSize(64)
                .nLayer(layers).nHead(4).nEmbd(width).dropout(0f).build(), settings, dir.resolve("gpt"));
        Path gpt = trainer.run().bestModel();
        String val = text.substring(text.length() * 9 / 10);
        int[] ids = Tokenizers.load(gpt.toString()).encode(quick ? val.substring(0, 30_000) : val, null,
                EncodeOptions.DEFAULT.withoutSpecialTokens()).ids();
        double fp32Ppl = Perplexity.slidingWindows(Gpt.fromPretrained(gpt), ids, 64).perplexity();
        Quantizer.Result gptInt8 = Quantizer.quantize(gpt, Format.INT8, dir.resolve("gpt-int8"));
        Quantizer.Result gptBf16 = Quantizer.quantize(gpt, Format.BF16, dir.resolve("gpt-bf16"));
        double int8Ppl = Perplexity.slidingWindows(Gpt.fromPretrained(gptInt8.out()), ids, 64).perplexity();
        double bf16Ppl = Perplexity.slidingWindows(Gpt.fromPretrained(gptBf16.out()), ids, 64).perplexity();

        // Embeddings: MiniLM int8 against fp32, sentence by sentence.
        List<String> sentences = new ArrayList<>();
        int wanted = quick ? 300 : 1000;
        for (ReutersDocument d : Reuters21578.read(BenchData.reuters(data))) {
            for (String s : d.body().replace('\n', ' ').split("(?<=\\.) +")) {
                if (s.length() > 20 && sentences.size() < wanted) {
                    sentences.add(s.strip());
                }
            }
        }
        Path miniLm = PretrainedModels.resolve("sentence-transformers/all-MiniLM-L6-v2");
        Quantizer.Result bertInt8 = Quantizer.quantize(miniLm, Format.INT8, dir.resolve("minilm-int8"));
        float[][] reference = SentenceEmbedder.load(miniLm).embed(sentences, 32, true);
        float[][] quantized = SentenceEmbedder.load(bertInt8.out()).embed(sentences, 32, true);
        double worstCosine = 1;
        double sumCosine = 0;
        for (int i = 0; i < sentences.size(); i++) {
            double cosine = cosine(reference[i], quantized[i]);
            worstCosine = Math.min(worstCosine, cosine);
            sumCosine += cosine;
        }

        // Decoding: GPT-2 124M shape, the same random weights in fp32 and in int8.
        Gpt decoder = new Gpt(GptConfig.builder().dropout(0f).build(), 0);
        long streamedParams = decoder.parameterCount() - (long) decoder.config.blockSize() * decoder.config.nEmbd();
        int[] prompt = new int[16];
        Arrays.setAll(prompt, i -> (i * 7919) % decoder.config.vocabSize());
        Generator.Settings decode = Generator.Settings.greedy(quick ? 24 : 128);
        long warmup = quick ? 7_000_000_000L : 30_000_000_000L;
        double fp32Rate = medianRate(decoder, prompt, decode, warmup, quick ? 3 : 5);
        Quantizer.quantizeLayers(decoder, Format.INT8);
        double int8Rate = medianRate(decoder, prompt, decode, warmup, quick ? 3 : 5);
        // Bytes streamed per token: every table and matrix (the LM head reads all of wte), one row of the position table.
        double fp32Mb = streamedParams * 4.0 / 1e6;
        double int8Bytes = decoder.parameterCount() * 4.0;
        for (var module : decoder.namedModules().entrySet()) {
            if (module.getValue() instanceof QuantizableLayer layer) {
                int8Bytes += module.getKey().endsWith("wpe") ? layer.quantized().cols() + 4 : layer.quantized().bytes();
            }
        }
        double int8Mb = int8Bytes / 1e6;

        System.out.printf("char GPT %d layers × %d wide, %d iterations on tiny Shakespeare; %,d validation tokens; %d threads%n",
                layers, width, quick ? 300 : 2000, ids.length, Parallel.THREADS);
        System.out.printf("%-34s %12s %12s %12s%n", "", "fp32", "int8", "bf16");
        System.out.printf("%-34s %12.4f %12.4f %12.4f%n", "GPT perplexity", fp32Ppl, int8Ppl, bf16Ppl);
        System.out.printf("%-34s %12d %12d %12d%n", "GPT model.safetensors bytes", gptInt8.originalBytes(), gptInt8.quantizedBytes(),
                gptBf16.quantizedBytes());
        System.out.printf("%-34s %12d %12d %12s%n", "MiniLM model.safetensors bytes", bertInt8.originalBytes(), bertInt8.quantizedBytes(), "");
        System.out.printf("%-34s %12s %12.6f %12s%n", "MiniLM cosine to fp32, worst", "", worstCosine, "");
        System.out.printf("%-34s %12s %12.6f %12s%n", "MiniLM cosine to fp32, mean", "", sumCosine / sentences.size(), "");
        System.out.printf("%-34s %12.1f %12.1f %12s%n", "GPT-2 124M decode tokens/s", fp32Rate, int8Rate, "");
        System.out.printf("%-34s %12.0f %12.0f %12s%n", "  weight MB read per token", fp32Mb, int8Mb, "");
        System.out.printf("int8: perplexity ×%.4f, decode ×%.2f (embedding tables and the tied LM head int8 too); %d sentences%n",
                int8Ppl / fp32Ppl, int8Rate / fp32Rate, sentences.size());
        var out = new ObjectMapper().createObjectNode().put("bench", "quantize")
                .put("int8_ppl_ratio", round(int8Ppl / fp32Ppl, 5)).put("bf16_ppl_ratio", round(bf16Ppl / fp32Ppl, 5))
                .put("fp32_ppl", round(fp32Ppl, 4)).put("int8_ppl", round(int8Ppl, 4)).put("bf16_ppl", round(bf16Ppl, 4))
                .put("minilm_int8_cosine_min", round(worstCosine, 6)).put("minilm_int8_cosine_mean", round(sumCosine / sentences.size(), 6))
                .put("sentences", sentences.size())
                .put("fp32_decode_tokens_per_s", round(fp32Rate, 2)).put("int8_decode_tokens_per_s", round(int8Rate, 2))
                .put("int8_decode_speedup", round(int8Rate / fp32Rate, 3))
                .put("gpt_int8_size_ratio", round((double) gptInt8.quantizedBytes() / gptInt8.originalBytes(), 4))
                .put("gpt_bf16_size_ratio", round((double) gptBf16.quantizedBytes() / gptBf16.originalBytes(), 4))
                .put("minilm_int8_size_ratio", round((double) bertInt8.quantizedBytes() / bertInt8.originalBytes(), 4));
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    /**
     * Median decode rate of {@code runs} runs after warming up until two successive runs agree within 3% (or the
     * budget is spent): the launcher runs C2 alone, so early runs decode partly interpreted (as in GenerateBench).
     */
    private static double medianRate(Gpt model, int[] prompt, Generator.Settings settings, long warmupNanos, int runs) {
        long warmupEnd = System.nanoTime() + warmupNanos;
        boolean steady = false;
        for (double previous = 0; !steady && System.nanoTime() < warmupEnd; ) {
            double rate = GenerateBench.decodeRate(model, prompt, settings);
            steady = previous > 0 && Math.abs(rate - previous) <= 0.03 * previous;
            previous = rate;
        }
        double[] rates = new double[runs];
        for (int i = 0; i < runs; i++) {
            rates[i] = GenerateBench.decodeRate(model, prompt, settings);
        }
        Arrays.sort(rates);
        return rates[runs / 2];
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    private static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
