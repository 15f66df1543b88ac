package dev.jlm.tasks.reuters;

import dev.jlm.fixtures.Fixtures;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Reuters21578Test {
    static Path folder;
    static List<ReutersDocument> documents;

    @BeforeAll
    static void read() throws IOException {
        folder = Fixtures.path("data/reuters21578");
        documents = Reuters21578.read(folder);
    }

    @Test
    void countsOfTheCollectionAndTheModApteSplit() {
        // The distribution's README and testdata/README.md: 21,578 documents; ModApte 9,603 / 3,299;
        // restricted to the 90 categories with training and test documents: 7,769 / 3,019 (Yang and Liu 1999, NLTK).
        assertThat(documents).hasSize(21578);
        assertThat(Reuters21578.modApteCounts(documents)).containsExactly(9603, 3299);
        Reuters21578.ModApte split = Reuters21578.modApte(documents);
        assertThat(split.categories()).hasSize(90).contains("earn", "acq", "castor-oil", "sun-meal");
        assertThat(split.train()).hasSize(7769);
        assertThat(split.test()).hasSize(3019);
        assertThat(split.train()).noneMatch(d -> d.newId() == 1199);
        // Per-category document counts as NLTK's ApteMod copy has them (e.g. earn 2,877 / 1,087; trade 368 / 117).
        assertThat(split.train().stream().filter(d -> d.topics().contains("earn"))).hasSize(2877);
        assertThat(split.test().stream().filter(d -> d.topics().contains("earn"))).hasSize(1087);
        assertThat(split.train().stream().filter(d -> d.topics().contains("trade"))).hasSize(368);
        assertThat(split.test().stream().filter(d -> d.topics().contains("trade"))).hasSize(117);
        assertThat(split.train().stream().filter(d -> d.topics().contains("corn"))).hasSize(181);
    }

    @Test
    void topTenCategories() {
        Reuters21578.ModApte top = Reuters21578.modApte(documents).top(10);
        assertThat(top.categories()).containsExactlyInAnyOrder("earn", "acq", "money-fx", "grain", "crude", "trade", "interest",
                "ship", "wheat", "corn");
        assertThat(top.train()).hasSize(6489);
        assertThat(top.test()).hasSize(2545);
        assertThat(top.train()).allMatch(d -> top.categories().containsAll(d.topics()));
    }

    @Test
    void restrictedToAClassifiersCategoriesKeepsTheDocumentsCarryingOneOfThem() {
        Reuters21578.ModApte split = Reuters21578.modApte(documents);
        Reuters21578.ModApte top = split.top(10);
        Reuters21578.ModApte restricted = split.restrictedTo(List.of("trade", "earn", "acq", "money-fx", "grain", "crude",
                "interest", "ship", "wheat", "corn"));
        assertThat(restricted.categories()).as("in the order given").startsWith("trade", "earn");
        assertThat(restricted.test()).hasSize(2545);
        assertThat(restricted.test()).extracting(ReutersDocument::newId).isEqualTo(top.test().stream().map(ReutersDocument::newId).toList());
        assertThat(restricted.train()).hasSize(6489);
        assertThat(restricted.test()).allMatch(d -> restricted.categories().containsAll(d.topics()));
        // A category the split does not have selects nothing: trade's 117 test documents remain.
        assertThat(split.restrictedTo(List.of("trade", "no-such-topic")).test()).hasSize(117);
    }

    @Test
    void documentsHaveTopicsTitlesBodiesAndDecodedEntities() {
        ReutersDocument first = documents.get(0);
        assertThat(first.newId()).isEqualTo(1);
        assertThat(first.topics()).containsExactly("cocoa");
        assertThat(first.title()).isEqualTo("BAHIA COCOA REVIEW");
        assertThat(first.body()).startsWith("Showers continued throughout the week").endsWith("Reuter");
        assertThat(documents.stream().map(ReutersDocument::text)).noneMatch(t -> t.contains("&lt;") || t.contains("&#"));
        assertThat(documents.stream().filter(d -> d.text().contains("ü"))).isNotEmpty();
        // A document whose text is unprocessed (TEXT TYPE="UNPROC", no BODY) and one that is only a title (BRIEF).
        ReutersDocument unprocessed = documents.stream().filter(d -> d.newId() == 99).findFirst().orElseThrow();
        assertThat(unprocessed.title()).isEmpty();
        assertThat(unprocessed.body()).startsWith("FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26");
        ReutersDocument brief = documents.stream().filter(d -> d.newId() == 30).findFirst().orElseThrow();
        assertThat(brief.title()).isEqualTo("ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK");
        assertThat(brief.body()).isEmpty();
        assertThat(Reuters21578.decode("a &lt;b&gt; &amp;amp; &#65;&#3; &unknown; & x;")).isEqualTo("a <b> &amp; A\u0003 &unknown; & x;");
    }

    @Test
    void readsTheDistributedArchiveDirectly() throws IOException {
        List<ReutersDocument> fromArchive = Reuters21578.read(Fixtures.stored("data/reuters21578.tar.gz"));
        assertThat(fromArchive).isEqualTo(documents);
    }

    @Test
    void malformedSgmlNamesFileAndLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("reut2-000.sgm"), "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n<REUTERS NEWID=\"1\">\n<BODY>cut");
        assertThatThrownBy(() -> Reuters21578.read(dir)).hasMessageContaining("reut2-000.sgm: line 2");
        assertThatThrownBy(() -> Reuters21578.read(dir.resolve("missing"))).hasMessageContaining("missing");
    }
}
