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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reader for the original Reuters-21578 distribution — the folder of 22 {@code reut2-NNN.sgm} files or the
 * {@code reuters21578.tar.gz} archive — and the ModApte split the literature uses. The files are Latin-1 bytes.
 */
public final class Reuters21578 {
    private static final Pattern DOCUMENT = Pattern.compile("<REUTERS([^>]*)>(.*?)</REUTERS>", Pattern.DOTALL);
    private static final Pattern ATTRIBUTE = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Pattern TOPICS = Pattern.compile("<TOPICS>(.*?)</TOPICS>", Pattern.DOTALL);
    private static final Pattern D = Pattern.compile("<D>(.*?)</D>", Pattern.DOTALL);
    private static final Pattern TITLE = Pattern.compile("<TITLE>(.*?)</TITLE>", Pattern.DOTALL);
    private static final Pattern BODY = Pattern.compile("<BODY>(.*?)</BODY>", Pattern.DOTALL);
    private static final Pattern UNPROC = Pattern.compile("<TEXT TYPE=\"UNPROC\">(.*?)</TEXT>", Pattern.DOTALL);
    private static final Pattern ENTITY = Pattern.compile("&(#\\d+|lt|gt|amp|quot|apos);");

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
        Matcher m = DOCUMENT.matcher(sgm);
        int expectedNext = 0;
        while (m.find()) {
            String gap = sgm.substring(expectedNext, m.start());
            if (gap.contains("<REUTERS")) {
                throw new IOException(name + ": line " + line(sgm, expectedNext + gap.indexOf("<REUTERS"))
                        + ": <REUTERS> document without its closing tag");
            }
            expectedNext = m.end();
            Map<String, String> attributes = new LinkedHashMap<>();
            Matcher a = ATTRIBUTE.matcher(m.group(1));
            while (a.find()) {
                attributes.put(a.group(1), a.group(2));
            }
            String newId = attributes.get("NEWID");
            if (newId == null || !newId.matches("\\d+")) {
                throw new IOException(name + ": line " + line(sgm, m.start()) + ": document without a numeric NEWID");
            }
            String content = m.group(2);
            List<String> topics = new ArrayList<>();
            Matcher t = TOPICS.matcher(content);
            if (t.find()) {
                Matcher d = D.matcher(t.group(1));
                while (d.find()) {
                    topics.add(d.group(1).strip());
                }
            }
            String title = first(TITLE, content);
            String body = first(BODY, content);
            if (body.isEmpty()) {
                body = first(UNPROC, content);
            }
            out.add(new ReutersDocument(Integer.parseInt(newId), "YES".equals(attributes.get("TOPICS")),
                    attributes.getOrDefault("LEWISSPLIT", ""), attributes.getOrDefault("CGISPLIT", ""), List.copyOf(topics),
                    decode(title).strip(), clean(decode(body))));
        }
        if (sgm.indexOf("<REUTERS", expectedNext) >= 0) {
            throw new IOException(name + ": line " + line(sgm, sgm.indexOf("<REUTERS", expectedNext))
                    + ": <REUTERS> document without its closing tag");
        }
    }

    private static String first(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? m.group(1) : "";
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

    /** SGML character entities: &amp;lt; &amp;gt; &amp;amp; and numeric references. */
    static String decode(String text) {
        Matcher m = ENTITY.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String value = switch (e) {
                case "lt" -> "<";
                case "gt" -> ">";
                case "amp" -> "&";
                case "quot" -> "\"";
                case "apos" -> "'";
                default -> String.valueOf((char) Integer.parseInt(e.substring(1)));
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Drops the control characters the distribution uses as markers (&#2; &#3; …) and trims. */
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

    /** The ModApte split restricted to categories with at least one training and one test document. */
    public record ModApte(List<ReutersDocument> train, List<ReutersDocument> test, List<String> categories) {
    }

    /**
     * ModApte: TOPICS="YES" with LEWISSPLIT TRAIN (9,603) or TEST (3,299); restricted to the categories present in
     * both (90) and to documents carrying at least one of them (7,769 / 3,019).
     */
    public static ModApte modApte(List<ReutersDocument> documents) {
        List<ReutersDocument> train = documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TRAIN")).toList();
        List<ReutersDocument> test = documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TEST")).toList();
        TreeSet<String> inTrain = new TreeSet<>();
        train.forEach(d -> inTrain.addAll(d.topics()));
        TreeSet<String> categories = new TreeSet<>();
        test.forEach(d -> d.topics().stream().filter(inTrain::contains).forEach(categories::add));
        return new ModApte(restrict(train, categories), restrict(test, categories), List.copyOf(categories));
    }

    /** Documents with at least one of {@code categories}, their topics narrowed to those categories. */
    private static List<ReutersDocument> restrict(List<ReutersDocument> documents, TreeSet<String> categories) {
        List<ReutersDocument> out = new ArrayList<>();
        for (ReutersDocument d : documents) {
            List<String> kept = d.topics().stream().filter(categories::contains).toList();
            if (!kept.isEmpty()) {
                out.add(new ReutersDocument(d.newId(), d.hasTopics(), d.lewisSplit(), d.cgiSplit(), kept, d.title(), d.body()));
            }
        }
        return out;
    }

    /** The documents of the ModApte split before the category restriction: {train, test} counts. */
    public static int[] modApteCounts(List<ReutersDocument> documents) {
        int train = (int) documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TRAIN")).count();
        int test = (int) documents.stream().filter(d -> d.hasTopics() && d.lewisSplit().equals("TEST")).count();
        return new int[] {train, test};
    }
}
