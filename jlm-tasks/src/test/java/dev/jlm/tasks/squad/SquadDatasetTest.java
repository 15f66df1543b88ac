package dev.jlm.tasks.squad;

import dev.jlm.fixtures.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SquadDatasetTest {
    static SquadDataset v11;
    static SquadDataset v20;

    @BeforeAll
    static void read() throws IOException {
        v11 = SquadDataset.read(Fixtures.path("data/squad/dev-v1.1.json"));
        v20 = SquadDataset.read(Fixtures.path("data/squad/dev-v2.0.json"));
    }

    @Test
    void countsMatchThePublishedDevSets() {
        // Counts published with the data set (testdata/README.md).
        assertThat(v11.version()).isEqualTo("1.1");
        assertThat(v11.isV2()).isFalse();
        assertThat(v11.articles()).hasSize(48);
        assertThat(v11.articles().stream().mapToInt(a -> a.paragraphs().size()).sum()).isEqualTo(2067);
        assertThat(v11.questions()).hasSize(10570);
        assertThat(v20.isV2()).isTrue();
        assertThat(v20.articles()).hasSize(35);
        assertThat(v20.articles().stream().mapToInt(a -> a.paragraphs().size()).sum()).isEqualTo(1204);
        assertThat(v20.questions()).hasSize(11873);
        assertThat(v20.questions().stream().filter(q -> !q.isImpossible())).hasSize(5928);
        assertThat(v20.questions().stream().filter(q -> q.isImpossible() && q.answers().isEmpty())).hasSize(5945);
    }

    @Test
    void answersAreSpansOfTheirContext() {
        SquadDataset.Paragraph first = v11.articles().get(0).paragraphs().get(0);
        SquadDataset.Question q = first.questions().get(0);
        assertThat(q.id()).isEqualTo("56be4db0acb8001400a502ec");
        assertThat(q.question()).isEqualTo("Which NFL team represented the AFC at Super Bowl 50?");
        assertThat(q.answers()).extracting(SquadDataset.Answer::text).containsOnly("Denver Broncos");
        for (SquadDataset.Answer a : q.answers()) {
            assertThat(first.context().substring(a.answerStart(), a.answerStart() + a.text().length())).isEqualTo(a.text());
        }
        SquadDataset.Question impossible = v20.questions().stream().filter(SquadDataset.Question::isImpossible).findFirst().orElseThrow();
        assertThat(impossible.plausibleAnswers()).isNotEmpty();
    }

    @Test
    void offlineSplitKeepsTheTestArticlesOutOfTraining() {
        SquadDataset.Split split = SquadDataset.offlineSplit(v11, v20);
        // The offline split (SquadDataset.offlineSplit): 13 training articles (4,557 questions), 35 test articles (6,013).
        assertThat(split.train().articles()).hasSize(13);
        assertThat(split.train().questions()).hasSize(4557);
        assertThat(split.test().articles()).hasSize(35);
        assertThat(split.test().questions()).hasSize(6013);
        Set<String> trainTitles = split.train().articles().stream().map(SquadDataset.Article::title).collect(Collectors.toSet());
        Set<String> testTitles = v20.articles().stream().map(SquadDataset.Article::title).collect(Collectors.toSet());
        assertThat(trainTitles).doesNotContainAnyElementsOf(testTitles);
        assertThat(split.test().articles()).extracting(SquadDataset.Article::title).containsExactlyInAnyOrderElementsOf(testTitles);
        assertThatThrownBy(() -> SquadDataset.offlineSplit(v20, v11)).hasMessageContaining("dev-v1.1 then dev-v2.0");
    }

    @Test
    void badFilesNameTheFileAndWhere(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"version\": \"1.1\",\n \"data\": [\n  {\"title\": \"x\" \"paragraphs\": []}]}");
        assertThatThrownBy(() -> SquadDataset.read(broken)).hasMessageStartingWith(broken + ": not valid JSON at line 3, column");
        Path truncated = Files.writeString(dir.resolve("truncated.json"), "{\n");
        assertThatThrownBy(() -> SquadDataset.read(truncated)).hasMessage(truncated + ": not valid JSON at line 2, column 1 "
                + "(Unexpected end-of-input: expected close marker for Object (start marker at line: 1, column: 1))");
        Path noStart = dir.resolve("no-start.json");
        Files.writeString(noStart, "{\"version\": \"1.1\", \"data\": [{\"title\": \"x\", \"paragraphs\": [{\"context\": \"c\", "
                + "\"qas\": [{\"id\": \"q7\", \"question\": \"?\", \"answers\": [{\"text\": \"c\"}]}]}]}]}");
        assertThatThrownBy(() -> SquadDataset.read(noStart))
                .hasMessage(noStart + ": question q7, answers[0]: missing \"answer_start\"");
        Path noQuestion = dir.resolve("no-question.json");
        Files.writeString(noQuestion, "{\"data\": [{\"title\": \"x\", \"paragraphs\": [{\"context\": \"c\", "
                + "\"qas\": [{\"id\": \"q8\", \"answers\": []}]}]}]}");
        assertThatThrownBy(() -> SquadDataset.read(noQuestion)).hasMessage(noQuestion + ": question q8: missing \"question\"");
        Path notSquad = dir.resolve("list.json");
        Files.writeString(notSquad, "[1, 2]");
        assertThatThrownBy(() -> SquadDataset.read(notSquad)).hasMessageContaining("no \"data\" array");
        assertThatThrownBy(() -> SquadDataset.read(dir.resolve("absent.json"))).hasMessage(dir.resolve("absent.json") + ": no such file");
    }
}
