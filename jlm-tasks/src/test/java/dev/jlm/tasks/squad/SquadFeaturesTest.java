package dev.jlm.tasks.squad;

import dev.jlm.fixtures.Fixtures;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * run_qa.py's preprocessing and post-processing checked end to end on the real dev sets: span targets must cover
 * the gold answers, and logits that point at those targets must score (almost) full marks through the official metrics.
 */
class SquadFeaturesTest {
    static SquadDataset v11;
    static SquadDataset v20;
    static Tokenizer tokenizer;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void read() throws IOException {
        v11 = SquadDataset.read(Fixtures.path("data/squad/dev-v1.1.json"));
        v20 = SquadDataset.read(Fixtures.path("data/squad/dev-v2.0.json"));
        tokenizer = Tokenizers.load("bert-base-uncased");
    }

    @Test
    void windowsRespectTheLengthAndTargetsCoverTheAnswers() {
        SquadDataset train = SquadDataset.offlineSplit(v11, v20).train();
        List<SquadFeatures.Example> examples = SquadFeatures.examples(train);
        List<SquadFeatures.Feature> features = SquadFeatures.features(examples, tokenizer, 384, 128);
        assertThat(examples).hasSize(4557);
        assertThat(features.size()).isGreaterThan(examples.size());
        int answered = 0;
        int exact = 0;
        Set<Integer> examplesWithTarget = new HashSet<>();
        for (SquadFeatures.Feature f : features) {
            assertThat(f.length()).isLessThanOrEqualTo(384);
            assertThat(f.ids()[0]).isEqualTo(tokenizer.tokenToId("[CLS]"));
            assertThat(f.contextOffsets()[0]).isNull();
            if (f.startPosition() == 0) {
                assertThat(f.endPosition()).isZero();
                continue;
            }
            answered++;
            examplesWithTarget.add(f.example());
            SquadFeatures.Example e = examples.get(f.example());
            assertThat(f.endPosition()).isGreaterThanOrEqualTo(f.startPosition());
            String span = e.span(f.contextOffsets()[f.startPosition()][0], f.contextOffsets()[f.endPosition()][1]);
            assertThat(span).contains(e.answer().text());
            exact += SquadEvaluation.normalize(span).equals(SquadEvaluation.normalize(e.answer().text())) ? 1 : 0;
        }
        // Every answer lies in at least one window; a span only differs when the answer ends inside a word piece.
        assertThat(examplesWithTarget).hasSize(examples.size());
        assertThat((double) exact / answered).isGreaterThan(0.99);
    }

    @Test
    void logitsAtTheTargetsScoreFullMarksWithTheOfficialV11Metric() {
        SquadDataset test = SquadDataset.offlineSplit(v11, v20).test();
        List<SquadFeatures.Example> examples = SquadFeatures.examples(test);
        List<SquadFeatures.Feature> features = SquadFeatures.features(examples, tokenizer, 384, 128);
        OracleLogits logits = OracleLogits.of(features);
        SquadPostprocessor.Predictions p = SquadPostprocessor.postprocess(examples, features, logits.starts, logits.ends,
                false, 20, 30, 0.0);
        Map<String, Object> scores = SquadEvaluation.v1(test, p.predictions(), QUIET);
        assertThat(p.predictions()).hasSize(6013);
        assertThat(p.nullOdds()).isEmpty();
        assertThat((Double) scores.get("exact_match")).isGreaterThan(97.0);
        assertThat((Double) scores.get("f1")).isGreaterThan(99.0);
        assertThat(p.nBest().values()).allSatisfy(list -> assertThat(list.size()).isBetween(1, 20));
    }

    @Test
    void nullScoresAnswerUnanswerableQuestionsWithTheEmptyString() {
        List<SquadFeatures.Example> examples = SquadFeatures.examples(v20);
        List<SquadFeatures.Feature> features = SquadFeatures.features(examples, tokenizer, 384, 128);
        OracleLogits logits = OracleLogits.of(features);
        SquadPostprocessor.Predictions p = SquadPostprocessor.postprocess(examples, features, logits.starts, logits.ends,
                true, 20, 30, 0.0);
        Map<String, Object> scores = SquadEvaluation.v2(v20, p.predictions(), p.nullOdds(), 1.0, QUIET);
        assertThat((Double) scores.get("NoAns_exact")).isEqualTo(100.0);
        assertThat((Double) scores.get("HasAns_f1")).isGreaterThan(99.0);
        assertThat(p.nullOdds()).hasSize(11873);
        // Null odds = null score − best span score: an unanswerable question's is the margin of [CLS] (2·10 − 0).
        String unanswerable = v20.questions().stream().filter(q -> q.answers().isEmpty()).findFirst().orElseThrow().id();
        assertThat(p.nullOdds().get(unanswerable)).isEqualTo(20.0);
        // A high enough threshold answers everything.
        SquadPostprocessor.Predictions always = SquadPostprocessor.postprocess(examples, features, logits.starts,
                logits.ends, true, 20, 30, 1e9);
        assertThat(always.predictions().values()).noneMatch(String::isEmpty);
    }

    @Test
    void syntheticUnanswerableExamplesAreAnotherParagraphOrASwappedNameOrNumber() {
        SquadDataset train = SquadDataset.offlineSplit(v11, v20).train();
        List<SquadFeatures.Example> negatives = SquadFeatures.syntheticUnanswerable(train, 0.5, 7);
        Map<String, SquadDataset.Question> byId = new java.util.HashMap<>();
        Map<String, String> ownContext = new java.util.HashMap<>();
        train.articles().forEach(a -> a.paragraphs().forEach(p -> p.questions().forEach(q -> {
            byId.put(q.id(), q);
            ownContext.put(q.id(), p.context());
        })));
        assertThat(negatives.size()).isBetween(2100, 2450);
        Set<String> trainContexts = new HashSet<>(ownContext.values());
        int swaps = 0;
        for (SquadFeatures.Example e : negatives) {
            assertThat(e.answer()).isNull();
            assertThat(trainContexts).contains(e.context());
            String id = e.id().replaceAll("-(other-paragraph|swapped)$", "");
            SquadDataset.Question original = byId.get(id);
            if (e.id().endsWith("-swapped")) {
                swaps++;
                assertThat(e.context()).isEqualTo(ownContext.get(id));
                List<String> before = List.of(original.question().split(" "));
                List<String> after = List.of(e.question().split(" "));
                assertThat(after).hasSameSizeAs(before);
                List<Integer> changed = java.util.stream.IntStream.range(0, before.size())
                        .filter(i -> !before.get(i).equals(after.get(i))).boxed().toList();
                assertThat(changed).as(original.question() + " → " + e.question()).hasSize(1);
                String swappedIn = after.get(changed.getFirst()).replaceAll("[^\\p{L}\\p{N}]", "");
                assertThat(e.context()).as(e.question()).doesNotContainPattern("\\b" + swappedIn + "\\b");
            } else {
                assertThat(e.id()).endsWith("-other-paragraph");
                assertThat(e.context()).isNotEqualTo(ownContext.get(id));
                assertThat(original.answers()).noneMatch(a -> e.context().contains(a.text()));
            }
        }
        assertThat(swaps).isBetween(negatives.size() / 3, 2 * negatives.size() / 3);
        assertThat(SquadFeatures.syntheticUnanswerable(train, 0.5, 7)).isEqualTo(negatives);
    }

    @Test
    void topIndexesAreTheLargestFirst() {
        assertThat(SquadPostprocessor.topIndexes(new float[] {0.5f, 3f, -1f, 2f}, 3)).containsExactly(1, 3, 0);
        assertThat(SquadPostprocessor.topIndexes(new float[] {1f}, 20)).containsExactly(0);
    }

    @Test
    void questionsAreLeftStrippedAndOffsetsCountCodePoints() {
        // An astral character before the answer shifts Java's UTF-16 indexes but not Python's (code point) offsets.
        String context = "Emoji \uD83D\uDE00 then the answer is Paris.";
        int start = context.codePointCount(0, context.indexOf("Paris"));
        SquadFeatures.Example e = new SquadFeatures.Example("q", "   Where?", context, new SquadDataset.Answer("Paris", start));
        List<SquadFeatures.Feature> features = SquadFeatures.features(List.of(e), tokenizer, 384, 128);
        SquadFeatures.Feature f = features.getFirst();
        assertThat(tokenizer.idToToken(f.ids()[1])).isEqualTo("where");
        assertThat(e.span(f.contextOffsets()[f.startPosition()][0], f.contextOffsets()[f.endPosition()][1])).isEqualTo("Paris");
    }

    /** Logits of 10 at each window's targets ([CLS] when the window lacks the answer) and 0 elsewhere. */
    record OracleLogits(List<float[]> starts, List<float[]> ends) {
        static OracleLogits of(List<SquadFeatures.Feature> features) {
            List<float[]> starts = new ArrayList<>();
            List<float[]> ends = new ArrayList<>();
            for (SquadFeatures.Feature f : features) {
                float[] s = new float[f.length()];
                float[] e = new float[f.length()];
                s[f.startPosition()] = 10;
                e[f.endPosition()] = 10;
                starts.add(s);
                ends.add(e);
            }
            return new OracleLogits(starts, ends);
        }
    }
}
