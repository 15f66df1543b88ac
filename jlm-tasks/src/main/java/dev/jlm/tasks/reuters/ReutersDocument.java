package dev.jlm.tasks.reuters;

import java.util.List;

/**
 * One {@code <REUTERS>} document of Reuters-21578.
 *
 * @param newId      the NEWID attribute (1..21578)
 * @param hasTopics  TOPICS="YES": the document was indexed for topics
 * @param lewisSplit LEWISSPLIT: TRAIN, TEST or NOT-USED
 * @param cgiSplit   CGISPLIT: TRAINING-SET or PUBLISHED-TESTSET
 * @param topics     the topic categories ({@code <TOPICS><D>…</D></TOPICS>})
 * @param title      TITLE text, or empty
 * @param body       BODY text (or the raw text of UNPROC documents), or empty
 */
public record ReutersDocument(int newId, boolean hasTopics, String lewisSplit, String cgiSplit, List<String> topics,
                              String title, String body) {

    /** Title and body, as a classifier or language model reads the document. */
    public String text() {
        return title.isEmpty() ? body : body.isEmpty() ? title : title + "\n" + body;
    }
}
