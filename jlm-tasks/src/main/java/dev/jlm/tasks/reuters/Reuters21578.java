package dev.jlm.tasks.reuters;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reader for the original Reuters-21578 distribution — the folder of 22 {@code reut2-NNN.sgm} files or the
 * {@code reuters21578.tar.gz} archive — and the ModApte split the literature uses. The files are Latin-1 bytes.
 */
public final class Reuters21578 {
    private static final Pattern ATTRIBUTE = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private Reuters21578() {
    }

    /** Every document, in file order, from a folder of {@code reut2-*.sgm} files or a {@code .tar.gz} archive. */
    public static List<ReutersDocument> read(Path source) throws IOException {
        List<ReutersDocument> documents = new ArrayList<>();
        if (Files.isDirectory(source)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(source)) {
                files = list.filter(p -> p.getFileName().toString().matches("reut2-\\d{3}\\.sgm")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new IOException(source + ": no reut2-NNN.sgm files");
            }
            for (Path file : files) {
                parse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1), file.toString(), documents);
            }
        } else if (Files.isRegularFile(source) && source.getFileName().toString().endsWith(".tar.gz")) {
            Map<String, String> sgm = new TreeMap<>();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(source));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
                for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                    String name = Path.of(entry.getName()).getFileName().toString();
                    if (name.matches("reut2-\\d{3}\\.sgm")) {
                        sgm.put(name, new String(tar.readAllBytes(), StandardCharsets.ISO_8859_1));
                    }
                }
            } catch (IOException e) {
                throw new IOException(source + ": not a readable .tar.gz archive (" + e.getMessage() + ")");
            }
            if (sgm.isEmpty()) {
                throw new IOException(source + ": archive holds no reut2-NNN.sgm files");
            }
            for (var entry : sgm.entrySet()) {
                parse(entry.getValue(), source + "!" + entry.getKey(), documents);
            }
        } else {
            throw new IOException(source + ": not a Reuters-21578 folder or .tar.gz archive");
        }
        return documents;
    }

    private static void parse(String sgm, String name, List<ReutersDocument> out) throws IOException {
        for (int open = sgm.indexOf("<REUTERS"); open >= 0; ) {
            int tagEnd = sgm.indexOf('>', open);
            int close = sgm.indexOf("</REUTERS>", open);
            int next = sgm.indexOf("<REUTERS", open + 1);
            if (tagEnd < 0 || close < 0 || next >= 0 && next < close) {
                throw new IOException(name + ": line " + line(sgm, open) + ": <REUTERS> document without its closing tag");
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            Matcher a = ATTRIBUTE.matcher(sgm.substring(open, tagEnd));
            while (a.find()) {
                attributes.put(a.group(1), a.group(2));
            }
            String newId = attributes.get("NEWID");
            if (newId == null || newId.length() > 9 || !digits(newId, 0)) {
                throw new IOException(name + ": line " + line(sgm, open) + ": document without a numeric NEWID");
            }
            String content = sgm.substring(tagEnd + 1, close);
            List<String> topics = new ArrayList<>();
            String topicList = element(content, "<TOPICS>", "</TOPICS>");
            for (int d = topicList.indexOf("<D>"); d >= 0; d = topicList.indexOf("<D>", d + 3)) {
                int dEnd = topicList.indexOf("</D>", d);
                if (dEnd < 0) {
                    throw new IOException(name + ": line " + line(sgm, open) + ": <D> without </D> in the topics");
                }
                topics.add(topicList.substring(d + 3, dEnd).strip());
            }
            String body = element(content, "<BODY>", "</BODY>");
            if (body.isEmpty()) {
                body = element(content, "<TEXT TYPE=\"UNPROC\">", "</TEXT>");
            }
            out.add(new ReutersDocument(Integer.parseInt(newId), "YES".equals(attributes.get("TOPICS")),
                    attributes.getOrDefault("LEWISSPLIT", ""), attributes.getOrDefault("CGISPLIT", ""), List.copyOf(topics),
                    clean(decode(element(content, "<TITLE>", "</TITLE>"))), clean(decode(body))));
            open = next;
        }
    }

    /** The text between the first {@code start} tag and the {@code end} tag after it, or empty. */
    private static String element(String content, String start, String end) {
        int s = content.indexOf(start);
        int e = s < 0 ? -1 : content.indexOf(end, s);
        return e < 0 ? "" : content.substring(s + start.length(), e);
    }

    private static int line(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** SGML character references: &amp;lt; &amp;gt; &amp;amp; &amp;quot; &amp;apos; and numeric ones such as &amp;#3;. */
    static String decode(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int semicolon = c == '&' ? text.indexOf(';', i) : -1;
            String entity = semicolon > i && semicolon - i <= 8 ? text.substring(i + 1, semicolon) : "";
            String value = switch (entity) {
                case "lt" -> "<";
                case "gt" -> ">";
                case "amp" -> "&";
                case "quot" -> "\"";
                case "apos" -> "'";
                default -> entity.length() > 1 && entity.length() <= 6 && entity.charAt(0) == '#' && digits(entity, 1)
                        ? Character.toString(Integer.parseInt(entity.substring(1))) : null;
            };
            if (value == null) {
                out.append(c);
            } else {
                out.append(value);
                i = semicolon;
            }
        }
        return out.toString();
    }

    private static boolean digits(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return from < text.length();
    }

    /** Drops the control characters the distribution uses as markers (&amp;#2; &amp;#3; …) and trims. */
    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 32 || c == '\n' || c == '\t') {
                out.append(c);
            }
        }
        return out.toString().strip();
    }

    /**
     * A train/test split over a category set: the documents carrying at least one of {@code categories}, their topics
     * narrowed to those categories.
     */
    public record ModApte(List<ReutersDocument> train, List<ReutersDocument> test, List<String> categories) {

        /** The split restricted to the {@code k} categories with the most training documents (ModApte top-10: k = 10). */
        public ModApte top(int k) {
            Map<String, Integer> trainCounts = new TreeMap<>();
            train.forEach(d -> d.topics().forEach(t -> trainCounts.merge(t, 1, Integer::sum)));
            TreeSet<String> top = trainCounts.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(k).map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
            return restrictedTo(top);
        }

        /**
         * The split restricted to {@code categories}, in their order: the documents carrying at least one of them, their
         * topics narrowed to those. A classifier's test documents are {@code restrictedTo(its categories).test()}.
         */
        public ModApte restrictedTo(Collection<String> categories) {
            Set<String> kept = new LinkedHashSet<>(categories);
            return new ModApte(restrict(train, kept), restrict(test, kept), List.copyOf(kept));
        }
    }

    /**
     * NEWID 1199, a TRAIN document on "trade", is absent from the published ApteMod collection (Yang and Liu's 7,769
     * training documents; NLTK's reuters corpus lists training/1198 then training/1200) though it is TOPICS="YES". It is
     * the only such document whose tag carries an extra CSECS attribute, which is presumably how it was lost.
     */
    private static final Set<Integer> ABSENT_FROM_APTEMOD = Set.of(1199);

    /**
     * ModApte: TOPICS="YES" with LEWISSPLIT TRAIN (9,603 documents) or TEST (3,299); restricted to the 90 categories with
     * at least one training and one test document and to the documents carrying one of them, as the literature's
     * ApteMod collection: 7,769 training and 3,019 test documents.
     */
    public static ModApte modApte(List<ReutersDocument> documents) {
        List<ReutersDocument> train = documents.stream()
                .filter(d -> d.hasTopics() && d.lewisSplit().equals("TRAIN") && !ABSENT_FROM_APTEMOD.contains(d.newId())).toList();
        List<ReutersDocument> test = documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TEST")).toList();
        TreeSet<String> inTrain = new TreeSet<>();
        train.forEach(d -> inTrain.addAll(d.topics()));
        TreeSet<String> categories = new TreeSet<>();
        test.forEach(d -> d.topics().stream().filter(inTrain::contains).forEach(categories::add));
        return new ModApte(restrict(train, categories), restrict(test, categories), List.copyOf(categories));
    }

    /** Documents with at least one of {@code categories}, their topics narrowed to those categories (each once). */
    private static List<ReutersDocument> restrict(List<ReutersDocument> documents, Set<String> categories) {
        List<ReutersDocument> out = new ArrayList<>();
        for (ReutersDocument d : documents) {
            List<String> kept = d.topics().stream().filter(categories::contains).distinct().toList();
            if (!kept.isEmpty()) {
                out.add(new ReutersDocument(d.newId(), d.hasTopics(), d.lewisSplit(), d.cgiSplit(), kept, d.title(), d.body()));
            }
        }
        return out;
    }

    /** The ModApte documents before the category restriction: {train, test} = {9,603, 3,299}. */
    public static int[] modApteCounts(List<ReutersDocument> documents) {
        int train = (int) documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TRAIN")).count();
        int test = (int) documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TEST")).count();
        return new int[] {train, test};
    }
}
