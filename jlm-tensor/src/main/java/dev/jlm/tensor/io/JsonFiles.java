package dev.jlm.tensor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Reading JSON files with one-line errors that name the file and, for syntax errors, the line and column. */
public final class JsonFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonFiles() {
    }

    /** A JSON file, gzip-compressed when its name ends in {@code .gz}. */
    public static JsonNode read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        try (InputStream in = file.getFileName().toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(file), 1 << 16) : Files.newInputStream(file)) {
            JsonNode node = JSON.readTree(in);
            if (node == null || node.isMissingNode()) {
                throw new IOException(file + ": empty JSON file");
            }
            return node;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IOException(file + ": not valid JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column "
                    + at.getColumnNr()) + " (" + problem(e) + ")");
        } catch (ZipException e) {
            throw new IOException(file + ": not readable as gzip (" + e.getMessage() + ")");
        }
    }

    /** Jackson's message on one line, without the input it names in some ("[Source: …; line: 1, column: 1]"). */
    static String problem(JsonProcessingException e) {
        return e.getOriginalMessage().replaceAll("\\[Source: [^;\\]]*; (line: \\d+, column: \\d+)]", "$1").replaceAll("\\s+", " ");
    }

    /** An integer field that must be present. */
    public static int requiredInt(JsonNode node, String key, Path file) throws IOException {
        JsonNode value = node.get(key);
        if (value == null || !value.canConvertToInt()) {
            throw new IOException(file + ": missing or non-integer '" + key + "'");
        }
        return value.asInt();
    }
}
