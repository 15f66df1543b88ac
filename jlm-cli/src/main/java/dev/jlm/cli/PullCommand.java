package dev.jlm.cli;

import dev.jlm.models.hub.HubCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jlm pull REPO}: download a model from the Hugging Face Hub into the standard cache. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Download a model repository (e.g. gpt2, bert-base-uncased) from the Hugging Face Hub into ~/.cache/huggingface/hub (HF_ENDPOINT, HF_HOME respected).")
public final class PullCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Repository id, e.g. gpt2 or openai-community/gpt2.")
    String repo;

    @Option(names = "--revision", description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
    String revision = "main";

    static final List<String> REQUIRED = List.of("config.json");
    static final List<String> OPTIONAL = List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.json",
            "merges.txt", "vocab.txt", "special_tokens_map.json", "generation_config.json");

    @Override
    public Integer call() throws Exception {
        HubCache hub = HubCache.fromEnvironment();
        Path snapshot = hub.download(repo, revision, REQUIRED, OPTIONAL, new DownloadProgress());
        if (!java.nio.file.Files.exists(snapshot.resolve("model.safetensors"))) {
            // Older repositories only have PyTorch's pickle format, which jlm reads with a restricted unpickler.
            snapshot = hub.download(repo, revision, List.of("pytorch_model.bin"), List.of(), new DownloadProgress());
        }
        System.out.println(snapshot);
        return 0;
    }
}
