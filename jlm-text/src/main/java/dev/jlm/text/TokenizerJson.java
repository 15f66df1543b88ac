package dev.jlm.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Hugging Face's {@code tokenizer.json}: reading the pipelines jlm implements, and writing them back. */
final class TokenizerJson {
    /** Without field-name canonicalization, which only slows down vocabularies of many distinct tokens. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build());

    private TokenizerJson() {
    }

    static Tokenizer read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": tokenizer file not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    static Tokenizer read(InputStream in, String source) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.path("model").isObject()) {
            throw new IOException(source + ": no \"model\" section (not a Hugging Face tokenizer.json)");
        }
        JsonNode model = root.get("model");
        String type = model.path("type").asText(model.has("continuing_subword_prefix") && !model.has("merges") ? "WordPiece" : "");
        List<AddedToken> added = addedTokens(root, source);
        return switch (type) {
            case "WordPiece" -> wordPiece(root, model, added, source);
            case "BPE" -> bpe(root, model, added, source);
            default -> throw new IOException(source + ": tokenizer model type '" + type + "' is not supported (WordPiece, BPE)");
        };
    }

    private static WordPieceTokenizer wordPiece(JsonNode root, JsonNode model, List<AddedToken> added, String source)
            throws IOException {
        List<String> vocab = vocabulary(model.path("vocab"), source);
        JsonNode norm = root.path("normalizer");
        BertNormalizer normalizer;
        if (norm.isNull() || norm.isMissingNode()) {
            normalizer = new BertNormalizer(false, false, false, false);
        } else if (norm.path("type").asText().equals("BertNormalizer")) {
            boolean lowercase = norm.path("lowercase").asBoolean(true);
            JsonNode strip = norm.path("strip_accents");
            normalizer = new BertNormalizer(norm.path("clean_text").asBoolean(true), norm.path("handle_chinese_chars").asBoolean(true),
                    strip.isNull() || strip.isMissingNode() ? lowercase : strip.asBoolean(), lowercase);
        } else {
            throw new IOException(source + ": normalizer '" + norm.path("type").asText() + "' is not supported with WordPiece (BertNormalizer)");
        }
        String unk = model.path("unk_token").asText("[UNK]");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        Template template = template(root.path("post_processor"), vocab, source);
        String pad = root.path("padding").path("pad_token").asText(vocab.contains("[PAD]") ? "[PAD]" : null);
        return new WordPieceTokenizer(vocab, unk, prefix, normalizer, added, template, pad);
    }

    /**
     * GPT-2-style byte-level BPE. Options that would change its tokens or offsets and that jlm does not implement are
     * errors rather than silently ignored.
     */
    private static BpeTokenizer bpe(JsonNode root, JsonNode model, List<AddedToken> added, String source) throws IOException {
        JsonNode pre = root.path("pre_tokenizer");
        if (!pre.path("type").asText("").equals("ByteLevel")) {
            throw new IOException(source + ": BPE is supported with the ByteLevel pre-tokenizer (GPT-2 style), not "
                    + (pre.isObject() ? "'" + pre.path("type").asText() + "'" : "none"));
        }
        unsupported(pre.path("add_prefix_space").asBoolean(false), source, "pre_tokenizer add_prefix_space: true");
        unsupported(!pre.path("use_regex").asBoolean(true), source, "pre_tokenizer use_regex: false");
        unsupported(root.path("normalizer").isObject(), source, "a normalizer with BPE");
        unsupported(model.path("dropout").asDouble(0) != 0, source, "BPE dropout");
        unsupported(!model.path("continuing_subword_prefix").asText("").isEmpty()
                || !model.path("end_of_word_suffix").asText("").isEmpty(), source, "BPE subword prefixes or suffixes");
        unsupported(model.path("ignore_merges").asBoolean(false), source, "BPE ignore_merges: true");
        List<String> vocab = new ArrayList<>(vocabulary(model.path("vocab"), source));
        JsonNode post = root.path("post_processor");
        Template template = Template.NONE;
        if (post.path("type").asText("").equals("ByteLevel")) {
            unsupported(post.path("trim_offsets").asBoolean(true), source, "post_processor ByteLevel trim_offsets: true");
        } else {
            template = template(post, vocab, source);
        }
        List<String[]> merges = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            String[] pair = merge.isArray() && merge.size() == 2 ? new String[] {merge.get(0).asText(), merge.get(1).asText()}
                    : merge.isTextual() ? merge.asText().split(" ", -1) : new String[0];
            if (pair.length != 2) {
                throw new IOException(source + ": merge " + merge + " is not a pair of tokens");
            }
            merges.add(pair);
        }
        for (AddedToken token : added) {
            while (vocab.size() <= token.id()) {
                vocab.add(token.content());
            }
        }
        try {
            return new BpeTokenizer(vocab, merges, added, template);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage());
        }
    }

    private static void unsupported(boolean present, String source, String what) throws IOException {
        if (present) {
            throw new IOException(source + ": " + what + " is not supported");
        }
    }

    /** A token → id object as a list indexed by id; gaps and duplicate ids are errors. */
    static List<String> vocabulary(JsonNode vocab, String source) throws IOException {
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(source + ": the vocabulary must be a non-empty JSON object of token → id");
        }
        String[] byId = new String[vocab.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            int id = entry.getValue().asInt(-1);
            if (!entry.getValue().canConvertToInt() || id < 0 || id >= byId.length || byId[id] != null) {
                throw new IOException(source + ": vocabulary entry '" + entry.getKey() + "' has an invalid or repeated id " + entry.getValue());
            }
            byId[id] = entry.getKey();
        }
        return List.of(byId);
    }

    private static List<AddedToken> addedTokens(JsonNode root, String source) throws IOException {
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode token : root.path("added_tokens")) {
            if (!token.path("content").isTextual() || !token.path("id").canConvertToInt()) {
                throw new IOException(source + ": added_tokens entries need \"id\" and \"content\"");
            }
            added.add(new AddedToken(token.get("content").asText(), token.get("id").asInt(), token.path("special").asBoolean(false)));
        }
        return added;
    }

    /** TemplateProcessing or BertProcessing as before/middle/after lists; none → no special tokens. */
    private static Template template(JsonNode processor, List<String> vocab, String source) throws IOException {
        if (processor.isNull() || processor.isMissingNode()) {
            return Template.NONE;
        }
        switch (processor.path("type").asText()) {
            case "BertProcessing" -> {
                JsonNode cls = processor.path("cls");
                JsonNode sep = processor.path("sep");
                return Template.bert(new Template.Special(cls.get(0).asText(), cls.get(1).asInt()),
                        new Template.Special(sep.get(0).asText(), sep.get(1).asInt()));
            }
            case "TemplateProcessing" -> {
                JsonNode specials = processor.path("special_tokens");
                List<List<Template.Special>> single = split(processor.path("single"), specials, source);
                List<List<Template.Special>> pair = split(processor.path("pair"), specials, source);
                int typeB = 1;
                for (JsonNode piece : processor.path("pair")) {
                    if (piece.has("Sequence") && piece.get("Sequence").path("id").asText().equals("B")) {
                        typeB = piece.get("Sequence").path("type_id").asInt(1);
                    }
                }
                return new Template(single.get(0), single.get(1), pair.get(0), pair.get(1), pair.get(2), typeB);
            }
            default -> throw new IOException(source + ": post_processor '" + processor.path("type").asText()
                    + "' is not supported (TemplateProcessing, BertProcessing)");
        }
    }

    /** The special tokens of a template, grouped by where they stand relative to the sequences. */
    private static List<List<Template.Special>> split(JsonNode template, JsonNode specials, String source) throws IOException {
        List<List<Template.Special>> groups = new ArrayList<>(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
        int group = 0;
        for (JsonNode piece : template) {
            if (piece.has("Sequence")) {
                group++;
                continue;
            }
            String name = piece.path("SpecialToken").path("id").asText();
            JsonNode ids = specials.path(name).path("ids");
            if (!ids.isArray() || ids.size() != 1) {
                throw new IOException(source + ": template special token '" + name + "' has no single id in special_tokens");
            }
            groups.get(group).add(new Template.Special(name, ids.get(0).asInt()));
        }
        return groups;
    }

    // ---------------------------------------------------------------- writing

    static ObjectNode wordPiece(WordPieceTokenizer tokenizer) {
        ObjectNode root = header(tokenizer);
        BertNormalizer n = tokenizer.normalizer();
        root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", n.cleanText())
                .put("handle_chinese_chars", n.handleChineseChars()).put("strip_accents", n.stripAccents())
                .put("lowercase", n.lowercase());
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        putTemplate(root, tokenizer.template());
        root.putObject("decoder").put("type", "WordPiece").put("prefix", tokenizer.continuationPrefix()).put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece").put("unk_token", tokenizer.unknownToken())
                .put("continuing_subword_prefix", tokenizer.continuationPrefix())
                .put("max_input_chars_per_word", WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD);
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = tokenizer.vocab();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        return root;
    }

    static ObjectNode bpe(BpeTokenizer tokenizer) {
        ObjectNode root = header(tokenizer);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", true);
        putTemplate(root, tokenizer.template());
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        List<String> tokens = tokenizer.vocab();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        tokenizer.merges().forEach(m -> merges.add(m[0] + " " + m[1]));
        return root;
    }

    private static ObjectNode header(PipelineTokenizer tokenizer) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (AddedToken token : tokenizer.addedTokens()) {
            added.addObject().put("id", token.id()).put("content", token.content()).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", token.special());
        }
        return root;
    }

    private static void putTemplate(ObjectNode root, Template template) {
        if (template.added(false) == 0 && template.added(true) == 0) {
            root.putNull("post_processor");
            return;
        }
        ObjectNode processor = root.putObject("post_processor");
        processor.put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        template.singleBefore().forEach(s -> special(single, s, 0));
        sequence(single, "A", 0);
        template.singleAfter().forEach(s -> special(single, s, 0));
        ArrayNode pair = processor.putArray("pair");
        template.pairBefore().forEach(s -> special(pair, s, 0));
        sequence(pair, "A", 0);
        template.pairMiddle().forEach(s -> special(pair, s, 0));
        sequence(pair, "B", template.pairTypeIdOfB());
        template.pairAfter().forEach(s -> special(pair, s, template.pairTypeIdOfB()));
        ObjectNode specials = processor.putObject("special_tokens");
        List<Template.Special> all = new ArrayList<>(template.pairBefore());
        all.addAll(template.pairMiddle());
        all.addAll(template.pairAfter());
        all.addAll(template.singleBefore());
        all.addAll(template.singleAfter());
        for (Template.Special s : all) {
            ObjectNode entry = specials.putObject(s.token());
            entry.put("id", s.token());
            entry.putArray("ids").add(s.id());
            entry.putArray("tokens").add(s.token());
        }
    }

    private static void special(ArrayNode template, Template.Special token, int type) {
        template.addObject().putObject("SpecialToken").put("id", token.token()).put("type_id", type);
    }

    private static void sequence(ArrayNode template, String id, int type) {
        template.addObject().putObject("Sequence").put("id", id).put("type_id", type);
    }

    static void write(Path file, ObjectNode root) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), root);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
