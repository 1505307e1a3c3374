package io.attestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The hand-read formats of {@link EventRules} accept exactly what their regular expressions (kept here as the
 * specification) accept: W3C trace and span ids, control ids.
 */
class EventRulesFormatsTest {
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern CONTROL = Pattern.compile("(A\\.)?[0-9]{1,2}(\\.[0-9]{1,2}){1,3}");

    /** Strings near the hex formats: any of their alphabet and neighbours, and lowercase hex of lengths near 16/32. */
    @Provide
    Arbitrary<String> nearHex() {
        Arbitrary<String> any = Arbitraries.strings().withChars("0123456789abcdefABCDEFgz -\u0660").ofMaxLength(40);
        Arbitrary<String> hex = Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(15).ofMaxLength(17);
        Arbitrary<String> hex32 = Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(31).ofMaxLength(33);
        Arbitrary<String> oneOff = hex32.flatMap(h -> Arbitraries.integers().between(0, h.length() - 1)
                .flatMap(at -> Arbitraries.of('A', 'g', 'F', ' ', '\u0660')
                        .map(c -> h.substring(0, at) + c + h.substring(at + 1))));
        return Arbitraries.oneOf(any, hex, hex32, oneOff);
    }

    /** Strings near the control format: optional prefix, groups of 0-3 digits (some non-ASCII), 0-5 dots. */
    @Provide
    Arbitrary<String> nearControl() {
        Arbitrary<String> group = Arbitraries.strings().withChars("0123456789\u0661").ofMaxLength(3);
        Arbitrary<String> shaped = Arbitraries.of("", "A.", "A", "a.", "B.").flatMap(prefix -> group.list()
                .ofMinSize(1).ofMaxSize(5).map(gs -> prefix + String.join(".", gs)));
        Arbitrary<String> any = Arbitraries.strings().withChars("0123456789.AaB \u0661").ofMaxLength(16);
        return Arbitraries.oneOf(shaped, shaped, any);
    }

    @Property(tries = 3000)
    void traceIdIsThirtyTwoLowercaseHexCharacters(@ForAll("nearHex") String s) {
        assertThat(EventRules.lowerHex(s, EventRules.TRACE_ID_LENGTH)).as(s).isEqualTo(TRACE_ID.matcher(s).matches());
    }

    @Property(tries = 3000)
    void spanIdIsSixteenLowercaseHexCharacters(@ForAll("nearHex") String s) {
        assertThat(EventRules.lowerHex(s, EventRules.SPAN_ID_LENGTH)).as(s).isEqualTo(SPAN_ID.matcher(s).matches());
    }

    @Property(tries = 5000)
    void controlIdIsTheDocumentedShape(@ForAll("nearControl") String s) {
        assertThat(EventRules.controlId(s)).as(s).isEqualTo(CONTROL.matcher(s).matches());
    }

    @Example
    void acceptsAndRefusesTheDocumentedExamples() {
        assertThat(EventRules.controlId("A.8.15")).isTrue();
        assertThat(EventRules.controlId("6.1.3")).isTrue();
        assertThat(EventRules.controlId("iso-27001")).isFalse();
        assertThat(EventRules.controlId("A.8")).isFalse();
        assertThat(EventRules.lowerHex("4bf92f3577b34da6a3ce929d0e0e4736", 32)).isTrue();
        assertThat(EventRules.lowerHex("4BF92F3577B34DA6A3CE929D0E0E4736", 32)).isFalse();
    }
}
