package dev.jlm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jlm.text.Encoding;
import dev.jlm.text.Tokenizer;
import dev.jlm.text.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jlm tokenize}: tokens, ids and offsets of a text (or pair) under a tokenizer. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Show the tokens, ids and character offsets of a text.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, description = "bert-base-uncased, gpt2, or a tokenizer file or directory.")
    String tokenizer;

    @Option(names = "--pair", description = "Second text of a pair (e.g. the context after a question).")
    String pair;

    @Option(names = "--json", description = "Print {\"ids\":[…],\"tokens\":[…],\"offsets\":[[start,end],…]}.")
    boolean json;

    @Option(names = "--texts-json", description = "A JSON array of strings to tokenize instead of TEXT; one result per line.")
    Path textsJson;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The text.")
    String text;

    @Override
    public Integer call() throws Exception {
        if ((text == null) == (textsJson == null)) {
            throw new IllegalArgumentException("give exactly one of TEXT and --texts-json");
        }
        Tokenizer tok = Tokenizers.load(tokenizer);
        List<String> texts = new ArrayList<>();
        if (text != null) {
            texts.add(text);
        } else {
            texts.addAll(EmbedCommand.readTextsJson(textsJson));
        }
        ObjectMapper mapper = new ObjectMapper();
        for (String t : texts) {
            Encoding e = tok.encode(t, pair);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("ids", e.ids());
                out.put("tokens", e.tokens());
                out.put("offsets", e.offsets());
                System.out.println(mapper.writeValueAsString(out));
            } else {
                System.out.printf("%d tokens%n", e.length());
                for (int i = 0; i < e.length(); i++) {
                    System.out.printf("%6d  %-20s [%d, %d)%n", e.ids()[i], e.tokens().get(i), e.offsets()[i][0], e.offsets()[i][1]);
                }
            }
        }
        return 0;
    }
}
