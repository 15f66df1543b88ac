package dev.jlm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.fixtures.Fixtures;
import dev.jlm.models.bert.Bert;
import dev.jlm.models.bert.BertConfig;
import dev.jlm.models.bert.BertForMaskedLM;
import dev.jlm.models.bert.BertForQuestionAnswering;
import dev.jlm.models.gpt.Gpt;
import dev.jlm.models.gpt.GptConfig;
import dev.jlm.models.peft.LoraConfig;
import dev.jlm.models.peft.LoraModel;
import dev.jlm.tensor.Tensor;
import dev.jlm.tensor.io.SafeTensors;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** LoRA from the command line: training with --peft lora, --adapter on the commands that load a model, peft merge. */
class PeftCliTest {
    final ObjectMapper json = new ObjectMapper();

    private JsonNode lastJson(CliRun run) throws IOException {
        assertThat(run.exitCode()).as(run.err()).isZero();
        return json.readTree(run.lastLine());
    }

    @Test
    void gptAdapterTrainsScoresGeneratesAndMerges(@TempDir Path dir) throws IOException {
        GptCliTest.corpus(dir);
        Path base = dir.resolve("base");
        assertThat(CliRun.of(GptCliTest.tiny(base, 10)).exitCode()).isZero();
        Path adapter = dir.resolve("adapter");
        String[] trainArgs = {"train", "gpt", "--data", GptCliTest.corpus.toString(), "--model", base.toString(),
                "--out", adapter.toString(), "--peft", "lora", "--lora-r", "4", "--lora-alpha", "8", "--lora-target", "c_attn,c_proj,c_fc",
                "--max-iters", "40", "--learning-rate", "2e-2", "--warmup-iters", "0", "--batch-size", "4", "--eval-interval", "10",
                "--eval-iters", "2", "--quiet"};
        CliRun train = CliRun.of(trainArgs);
        assertThat(train.exitCode()).as(train.err()).isZero();
        // The checkpoint in last/ is an adapter folder too: a finished run resumes from it and trains no further.
        assertThat(adapter.resolve("last/adapter_model.safetensors")).exists();
        int lines = Files.readAllLines(adapter.resolve("metrics.jsonl")).size();
        CliRun again = CliRun.of(trainArgs);
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readAllLines(adapter.resolve("metrics.jsonl"))).hasSize(lines);
        // c_attn 16→48, attn.c_proj 16→16, c_fc 16→64, mlp.c_proj 64→16 at rank 4: 4·(in + out) each.
        assertThat(train.out()).contains("LoRA on 4 layers: trainable params: 1,024 ||");
        assertThat(adapter.resolve("model.safetensors")).doesNotExist();
        try (SafeTensors weights = SafeTensors.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(weights.entries().keySet()).hasSize(8).contains(
                    "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
                    "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
                    "base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight");
        }
        JsonNode config = json.readTree(adapter.resolve("adapter_config.json").toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("fan_in_fan_out").asBoolean()).isTrue();
        assertThat(config.get("base_model_name_or_path").asText()).isEqualTo(base.toString());

        String text = GptCliTest.corpus.toString();
        double baseLoss = lastJson(CliRun.of("perplexity", "--model", base.toString(), "--text-file", text, "--json"))
                .get("loss").asDouble();
        double adaptedLoss = lastJson(CliRun.of("perplexity", "--model", base.toString(), "--adapter", adapter.toString(),
                "--text-file", text, "--json")).get("loss").asDouble();
        // Forty more steps on the same corpus through the adapters: the loss drops.
        assertThat(adaptedLoss).isLessThan(baseLoss - 0.05);

        Path merged = dir.resolve("merged");
        CliRun merge = CliRun.of("peft", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString());
        assertThat(merge.exitCode()).as(merge.err()).isZero();
        double mergedLoss = lastJson(CliRun.of("perplexity", "--model", merged.toString(), "--text-file", text, "--json"))
                .get("loss").asDouble();
        assertThat(mergedLoss).isCloseTo(adaptedLoss, offset(1e-4));
        JsonNode adaptedIds = lastJson(CliRun.of("generate", "--model", base.toString(), "--adapter", adapter.toString(),
                "--prompt-ids", "1,2,3", "--max-new-tokens", "8", "--greedy", "--json")).get("ids");
        JsonNode mergedIds = lastJson(CliRun.of("generate", "--model", merged.toString(), "--prompt-ids", "1,2,3",
                "--max-new-tokens", "8", "--greedy", "--json")).get("ids");
        assertThat(adaptedIds).isEqualTo(mergedIds);

        Path other = dir.resolve("other");
        int vocab = GptConfig.read(base.resolve("config.json")).vocabSize();
        new Gpt(GptConfig.builder().vocabSize(vocab).blockSize(16).nLayer(1).nHead(2).nEmbd(32).dropout(0f).bias(true).build(), 1).savePretrained(other);
        Path tokens = dir.resolve("tokens.json");
        Files.writeString(tokens, "{\"input_ids\": [[1, 2, 3, 4]]}");
        CliRun mismatch = CliRun.of("perplexity", "--model", other.toString(), "--adapter", adapter.toString(),
                "--token-file", tokens.toString());
        assertThat(mismatch.exitCode()).isEqualTo(2);
        assertThat(mismatch.err().strip()).doesNotContain("\n")
                .contains("'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight' has shape [4, 16], the base model's is [4, 32]");
        CliRun noBase = CliRun.of("train", "gpt", "--peft", "lora", "--out", dir.resolve("x").toString());
        assertThat(noBase.exitCode()).isEqualTo(2);
        assertThat(noBase.err()).contains("--peft needs --model");
    }

    @Test
    void gptPromptTuningTrainsScoresAndGenerates(@TempDir Path dir) throws IOException {
        GptCliTest.corpus(dir);
        Path base = dir.resolve("base");
        assertThat(CliRun.of(GptCliTest.tiny(base, 10)).exitCode()).isZero();
        Path adapter = dir.resolve("adapter");
        CliRun train = CliRun.of("train", "gpt", "--data", GptCliTest.corpus.toString(), "--model", base.toString(),
                "--out", adapter.toString(), "--peft", "prompt-tuning", "--num-virtual-tokens", "4", "--prompt-tuning-init", "text",
                "--prompt-tuning-init-text", "the quick", "--max-iters", "40", "--learning-rate", "5e-2", "--warmup-iters", "0",
                "--batch-size", "4", "--eval-interval", "10", "--eval-iters", "2", "--quiet");
        assertThat(train.exitCode()).as(train.err()).isZero();
        // Four virtual tokens of width 16 train; the 16-token block leaves 12 for text.
        assertThat(train.out()).contains("prompt tuning with 4 virtual tokens: trainable params: 64 ||");
        try (SafeTensors weights = SafeTensors.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(weights.entries().keySet()).containsExactly("prompt_embeddings");
            assertThat(weights.entries().get("prompt_embeddings").shape()).containsExactly(4, 16);
        }
        JsonNode config = json.readTree(adapter.resolve("adapter_config.json").toFile());
        assertThat(config.get("peft_type").asText()).isEqualTo("PROMPT_TUNING");
        assertThat(config.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(config.get("prompt_tuning_init").asText()).isEqualTo("TEXT");
        assertThat(config.get("prompt_tuning_init_text").asText()).isEqualTo("the quick");
        assertThat(config.get("tokenizer_name_or_path").asText()).isEqualTo(base.toString());

        String text = GptCliTest.corpus.toString();
        double baseLoss = lastJson(CliRun.of("perplexity", "--model", base.toString(), "--text-file", text, "--json"))
                .get("loss").asDouble();
        double tunedLoss = lastJson(CliRun.of("perplexity", "--model", base.toString(), "--adapter", adapter.toString(),
                "--text-file", text, "--json")).get("loss").asDouble();
        assertThat(tunedLoss).isLessThan(baseLoss);
        // Past the 12 text tokens a context holds beside the prompt, generation restarts its cache and goes on.
        JsonNode ids = lastJson(CliRun.of("generate", "--model", base.toString(), "--adapter", adapter.toString(),
                "--prompt-ids", "1,2,3", "--max-new-tokens", "14", "--greedy", "--json")).get("ids");
        assertThat(ids).hasSize(17);

        CliRun merge = CliRun.of("peft", "merge", "--model", base.toString(), "--adapter", adapter.toString(),
                "--out", dir.resolve("merged").toString());
        assertThat(merge.exitCode()).isEqualTo(2);
        assertThat(merge.err()).contains("peft_type is PROMPT_TUNING; only LoRA adapters merge into their base");
        CliRun unknown = CliRun.of("train", "gpt", "--model", base.toString(), "--peft", "prefix", "--out", dir.resolve("x").toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("'prefix' is not one of lora, prompt-tuning");
        CliRun noText = CliRun.of("train", "gpt", "--data", text, "--model", base.toString(), "--peft", "prompt-tuning",
                "--prompt-tuning-init", "text", "--out", dir.resolve("y").toString());
        assertThat(noText.exitCode()).isEqualTo(2);
        assertThat(noText.err()).contains("--peft prompt-tuning: prompt_tuning_init TEXT needs prompt_tuning_init_text");
    }

    @Test
    void reutersAdapterEvaluatesOnItsBaseAndMerges(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("reuters");
        Files.createDirectories(data);
        for (String file : List.of("reut2-000.sgm", "reut2-018.sgm")) {
            Files.copy(Fixtures.path("data/reuters21578/" + file), data.resolve(file));
        }
        Path base = SquadFinetuneCliTest.tinyBert(dir);
        Path out = dir.resolve("topics");
        CliRun run = CliRun.of("finetune", "reuters", "--model", base.toString(), "--data", data.toString(), "--top", "3",
                "--out", out.toString(), "--epochs", "2", "--batch-size", "16", "--learning-rate", "1e-2", "--max-length", "32",
                "--peft", "lora", "--lora-r", "4", "--lora-alpha", "8", "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // 2 layers × (query, value) × (A [4, 32] + B [32, 4]) and the head 3 × 32 + 3.
        assertThat(run.out()).contains("LoRA on 4 layers: trainable params: 1,123 ||");
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(out.resolve("model.safetensors")).doesNotExist();
        assertThat(Files.size(out.resolve("adapter_model.safetensors"))).isLessThan(Files.size(base.resolve("model.safetensors")) / 100);

        JsonNode scores = lastJson(CliRun.of("eval", "reuters", "--model", base.toString(), "--adapter", out.toString(),
                "--data", data.toString(), "--json"));
        assertThat(run.out()).contains(String.format(Locale.ROOT, "micro-F1 %.4f", scores.get("micro_f1").asDouble()));
        Path merged = dir.resolve("merged");
        assertThat(CliRun.of("peft", "merge", "--model", base.toString(), "--adapter", out.toString(), "--out", merged.toString())
                .exitCode()).isZero();
        JsonNode mergedScores = lastJson(CliRun.of("eval", "reuters", "--model", merged.toString(), "--data", data.toString(), "--json"));
        assertThat(mergedScores.get("micro_f1").asDouble()).isEqualTo(scores.get("micro_f1").asDouble());
    }

    @Test
    void reutersPromptTuningTrainsThePromptAndHeadAndEvaluatesOnItsBase(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("reuters");
        Files.createDirectories(data);
        for (String file : List.of("reut2-000.sgm", "reut2-018.sgm")) {
            Files.copy(Fixtures.path("data/reuters21578/" + file), data.resolve(file));
        }
        Path base = SquadFinetuneCliTest.tinyBert(dir);
        Path out = dir.resolve("topics");
        CliRun run = CliRun.of("finetune", "reuters", "--model", base.toString(), "--data", data.toString(), "--top", "3",
                "--out", out.toString(), "--epochs", "2", "--batch-size", "16", "--learning-rate", "1e-2", "--max-length", "32",
                "--peft", "prompt-tuning", "--num-virtual-tokens", "4", "--prompt-tuning-init", "text",
                "--prompt-tuning-init-text", "news topic", "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // 4 virtual tokens × 32 and the head 3 × 32 + 3.
        assertThat(run.out()).contains("prompt tuning with 4 virtual tokens: trainable params: 227 ||");
        try (SafeTensors weights = SafeTensors.open(out.resolve("adapter_model.safetensors"))) {
            assertThat(weights.entries().keySet()).containsExactlyInAnyOrder("prompt_embeddings", "base_model.classifier.weight",
                    "base_model.classifier.bias");
        }
        JsonNode config = json.readTree(out.resolve("adapter_config.json").toFile());
        assertThat(config.get("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(config.get("token_dim").asInt()).isEqualTo(32);
        JsonNode scores = lastJson(CliRun.of("eval", "reuters", "--model", base.toString(), "--adapter", out.toString(),
                "--data", data.toString(), "--json"));
        assertThat(run.out()).contains(String.format(Locale.ROOT, "micro-F1 %.4f", scores.get("micro_f1").asDouble()));
        CliRun merge = CliRun.of("peft", "merge", "--model", base.toString(), "--adapter", out.toString(), "--out",
                dir.resolve("merged").toString());
        assertThat(merge.exitCode()).isEqualTo(2);
        assertThat(merge.err()).contains("only LoRA adapters merge into their base");
        CliRun embed = CliRun.of("embed", "--model", base.toString(), "--adapter", out.toString(), "hello");
        assertThat(embed.exitCode()).isEqualTo(2);
        assertThat(embed.err().strip()).doesNotContain("\n")
                .contains("prompt tuning applies to GPT-2 models and BERT sequence classifiers, not a Bert");
    }

    @Test
    void embedAppliesAFeatureExtractionAdapter(@TempDir Path dir) throws IOException {
        Path base = SquadFinetuneCliTest.tinyBert(dir);
        Bert encoder = Bert.fromPretrained(base);
        LoraModel lora = LoraModel.wrap(encoder, LoraConfig.builder().r(2).loraAlpha(4).target("query,value")
                .taskType("FEATURE_EXTRACTION").build(), 1);
        perturb(lora);
        Path adapter = dir.resolve("adapter");
        lora.save(adapter, base.toString());
        try (SafeTensors weights = SafeTensors.open(adapter.resolve("adapter_model.safetensors"))) {
            assertThat(weights.entries()).containsKey("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight");
        }
        JsonNode plain = lastJson(CliRun.of("embed", "--model", base.toString(), "--json", "hello world")).get("embeddings").get(0);
        JsonNode adapted = lastJson(CliRun.of("embed", "--model", base.toString(), "--adapter", adapter.toString(), "--json",
                "hello world")).get("embeddings").get(0);
        assertThat(adapted).isNotEqualTo(plain);
        Path merged = dir.resolve("merged");
        assertThat(CliRun.of("peft", "merge", "--model", base.toString(), "--adapter", adapter.toString(), "--out", merged.toString())
                .exitCode()).isZero();
        JsonNode fromMerged = lastJson(CliRun.of("embed", "--model", merged.toString(), "--json", "hello world"))
                .get("embeddings").get(0);
        for (int i = 0; i < adapted.size(); i++) {
            assertThat(fromMerged.get(i).asDouble()).as("[%d]", i).isCloseTo(adapted.get(i).asDouble(), offset(1e-5));
        }
    }

    /** Random values in every lora_B, which LoRA starts at zero, so the adapter changes outputs. */
    private static void perturb(LoraModel lora) {
        SplittableRandom random = new SplittableRandom(2);
        for (String name : lora.targetNames()) {
            Tensor b = lora.layer(name).loraB.weight;
            b.assign(Tensor.randn(random, b.shape()));
        }
    }

    @Test
    void fillMaskAppliesAnAdapter(@TempDir Path dir) throws IOException {
        Path base = dir.resolve("mlm");
        BertForMaskedLM model = new BertForMaskedLM(BertConfig.builder().hiddenSize(32).numHiddenLayers(2).numAttentionHeads(2)
                .intermediateSize(64).build(), 3);
        model.savePretrained(base);
        Tokenizers.load("bert-base-uncased").save(base);
        LoraModel lora = LoraModel.wrap(model, LoraConfig.builder().r(2).loraAlpha(4).target("query,value").build(), 1);
        perturb(lora);
        Path adapter = dir.resolve("adapter");
        lora.save(adapter, base.toString());
        // The same model with the adapter merged into its weights, as an ordinary checkpoint: the reference.
        Path merged = dir.resolve("merged");
        lora.mergeAndUnload();
        model.savePretrained(merged);
        Tokenizers.load("bert-base-uncased").save(merged);

        String text = "the cat sat on the [MASK]";
        JsonNode plain = lastJson(CliRun.of("fill-mask", "--model", base.toString(), "--json", text)).get("predictions");
        JsonNode adapted = lastJson(CliRun.of("fill-mask", "--model", base.toString(), "--adapter", adapter.toString(), "--json",
                text)).get("predictions");
        JsonNode fromMerged = lastJson(CliRun.of("fill-mask", "--model", merged.toString(), "--json", text)).get("predictions");
        assertThat(adapted).isNotEqualTo(plain);
        assertThat(adapted).hasSize(fromMerged.size());
        for (int i = 0; i < adapted.size(); i++) {
            assertThat(adapted.get(i).get("id")).isEqualTo(fromMerged.get(i).get("id"));
            assertThat(adapted.get(i).get("score").asDouble()).as("score %d", i)
                    .isCloseTo(fromMerged.get(i).get("score").asDouble(), offset(1e-5));
        }
    }

    @Test
    void predictSquadAppliesAnAdapterWithItsSpanHead(@TempDir Path dir) throws IOException {
        Path data = new SquadFinetuneCliTest().smallSquad(dir, 1);
        Path base = SquadFinetuneCliTest.tinyBert(dir);
        // What predict squad builds on a plain encoder: a fresh span head, seed 0; the adapter carries a trained one.
        BertForQuestionAnswering model = new BertForQuestionAnswering(Bert.fromPretrained(base), 0);
        LoraModel lora = LoraModel.wrap(model, LoraConfig.builder().r(2).loraAlpha(4).target("query,value")
                .modulesToSave(List.of("qa_outputs")).taskType("QUESTION_ANS").build(), 1);
        perturb(lora);
        model.qaOutputs.weight.assign(Tensor.randn(new SplittableRandom(3), model.qaOutputs.weight.shape()));
        Path adapter = dir.resolve("adapter");
        lora.save(adapter, base.toString());
        Path merged = dir.resolve("merged");
        lora.mergeAndUnload();
        model.savePretrained(merged);
        Tokenizers.load(base.toString()).save(merged);

        String[] options = {"--data", data.toString(), "--max-seq-length", "128", "--doc-stride", "32"};
        Path adapted = dir.resolve("adapted");
        CliRun withAdapter = CliRun.of(concat(new String[] {"predict", "squad", "--model", base.toString(), "--adapter",
                adapter.toString(), "--out", adapted.toString()}, options));
        assertThat(withAdapter.exitCode()).as(withAdapter.err()).isZero();
        Path reference = dir.resolve("reference");
        CliRun fromMerged = CliRun.of(concat(new String[] {"predict", "squad", "--model", merged.toString(), "--out",
                reference.toString()}, options));
        assertThat(fromMerged.exitCode()).as(fromMerged.err()).isZero();
        Path plain = dir.resolve("plain");
        assertThat(CliRun.of(concat(new String[] {"predict", "squad", "--model", base.toString(), "--out", plain.toString()},
                options)).exitCode()).isZero();
        JsonNode answers = json.readTree(adapted.resolve("predictions.json").toFile());
        assertThat(answers).isEqualTo(json.readTree(reference.resolve("predictions.json").toFile()));
        assertThat(json.readTree(adapted.resolve("nbest_predictions.json").toFile()))
                .isNotEqualTo(json.readTree(plain.resolve("nbest_predictions.json").toFile()));
    }

    private static String[] concat(String[] first, String[] second) {
        String[] out = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }
}
