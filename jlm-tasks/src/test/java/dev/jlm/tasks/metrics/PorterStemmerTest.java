package dev.jlm.tasks.metrics;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** NLTK's published Porter examples (NLTK_EXTENSIONS mode, the one rouge-score uses). */
class PorterStemmerTest {
    @Test
    void nltkDoctestPlurals() {
        // nltk/test/stem.doctest, "Test the stemmer on various pluralised words".
        String plurals = "caresses flies dies mules denied died agreed owned humbled sized meeting stating siezing "
                + "itemization sensational traditional reference colonizer plotted";
        String expected = "caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon plot";
        assertThat(Arrays.stream(plurals.split(" ")).map(PorterStemmer::stem).toList()).containsExactly(expected.split(" "));
    }

    @Test
    void nltkUnitTestsAndPaperExamples() {
        assertThat(PorterStemmer.stem("oed")).isEqualTo("o"); // nltk test_stem.py test_oed_bug
        // Porter (1980) step examples as NLTK states them in its docstrings.
        assertThat(PorterStemmer.stem("happy")).isEqualTo("happi");
        assertThat(PorterStemmer.stem("enjoy")).isEqualTo("enjoy");
        assertThat(PorterStemmer.stem("sky")).isEqualTo("sky");   // NLTK irregular form
        assertThat(PorterStemmer.stem("dying")).isEqualTo("die"); // NLTK irregular form
        assertThat(PorterStemmer.stem("hopping")).isEqualTo("hop");
        assertThat(PorterStemmer.stem("falling")).isEqualTo("fall");
        assertThat(PorterStemmer.stem("controll")).isEqualTo("control");
        assertThat(PorterStemmer.stem("by")).isEqualTo("by"); // two letters are never stemmed
    }
}
