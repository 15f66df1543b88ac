package dev.jlm.text;

import java.util.List;

/**
 * Special tokens a post-processor wraps around one or two sequences (Hugging Face's {@code TemplateProcessing}),
 * e.g. BERT's {@code [CLS] $A [SEP]} and {@code [CLS] $A [SEP] $B:1 [SEP]:1}; GPT-2's template adds nothing.
 *
 * @param single tokens around a single sequence: before, then after
 * @param pair   tokens around a pair: before A, between A and B, after B
 * @param pairTypeIdOfB the token type of B and of the tokens after it
 */
record Template(List<Special> singleBefore, List<Special> singleAfter, List<Special> pairBefore, List<Special> pairMiddle,
                List<Special> pairAfter, int pairTypeIdOfB) {

    /** One special token: its text and id. */
    record Special(String token, int id) {
    }

    static final Template NONE = new Template(List.of(), List.of(), List.of(), List.of(), List.of(), 1);

    static Template bert(Special cls, Special sep) {
        return new Template(List.of(cls), List.of(sep), List.of(cls), List.of(sep), List.of(sep), 1);
    }

    int added(boolean pair) {
        return pair ? pairBefore.size() + pairMiddle.size() + pairAfter.size() : singleBefore.size() + singleAfter.size();
    }
}
