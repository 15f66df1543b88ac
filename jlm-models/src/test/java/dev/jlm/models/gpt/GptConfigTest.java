package dev.jlm.models.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class GptConfigTest {

    @Test
    void gpt2sVocabularyEndsTextsWithItsEndOfTextTokenAndSaysSoInConfigJson(@TempDir Path dir) throws IOException {
        GptConfig config = GptConfig.builder().vocabSize(50257).blockSize(64).nLayer(1).nHead(2).nEmbd(16).dropout(0f).bias(true).build();
        assertThat(config.eosTokenId()).isEqualTo(Tokenizers.load("gpt2").tokenToId("<|endoftext|>"));
        config.write(dir.resolve("config.json"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(json.get("eos_token_id").asInt()).isEqualTo(config.eosTokenId());
        assertThat(json.get("bos_token_id").asInt()).isEqualTo(config.eosTokenId());
        assertThat(GptConfig.read(dir.resolve("config.json")).eosTokenId()).isEqualTo(config.eosTokenId());
    }

    @Test
    void aCharacterLevelModelHasNoEndOfTextToken(@TempDir Path dir) throws IOException {
        GptConfig config = GptConfig.builder().vocabSize(65).blockSize(64).nLayer(1).nHead(2).nEmbd(16).dropout(0f).bias(true).build();
        assertThat(config.eosTokenId()).isEqualTo(-1);
        config.write(dir.resolve("config.json"));
        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertThat(json.has("eos_token_id")).isFalse();
        assertThat(json.has("bos_token_id")).isFalse();
    }
}
