package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DateTimeException;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The mapper's instant reading agrees with {@link Instant#parse} on valid, nearly valid and broken text alike. */
class InstantParsingTest {
    @Property(tries = 3000)
    void readsEveryInstantAsInstantParseDoes(@ForAll("instants") String text) {
        assertSameAnswer(text);
    }

    @Property(tries = 3000)
    void refusesOrReadsMutatedTextAsInstantParseDoes(@ForAll("instants") String text,
                                                      @ForAll("positions") int at, @ForAll("chars") char c) {
        int i = at % text.length();
        assertSameAnswer(text.substring(0, i) + c + text.substring(i + 1));
        assertSameAnswer(text.substring(0, i) + text.substring(i + 1));
        assertSameAnswer(text.substring(0, i) + c + text.substring(i));
    }

    @Property(tries = 200)
    void readsEdgeDates(@ForAll("edges") String text) {
        assertSameAnswer(text);
    }

    private static void assertSameAnswer(String text) {
        Instant expected;
        try {
            expected = Instant.parse(text);
        } catch (DateTimeException e) {
            assertThatThrownBy(() -> JsonEventMapper.parseInstant(text)).as(text)
                    .isInstanceOf(DateTimeException.class);
            return;
        }
        assertThat(JsonEventMapper.parseInstant(text)).as(text).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> instants() {
        return Arbitraries.longs().between(Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(),
                Instant.parse("9999-12-31T23:59:59Z").getEpochSecond()).flatMap(s -> Arbitraries.integers()
                .between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n).toString()));
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 40);
    }

    @Provide
    Arbitrary<Character> chars() {
        return Arbitraries.of('0', '1', '5', '9', '-', ':', '.', 'T', 't', 'Z', 'z', '+', ' ', 'x', '\u0661');
    }

    @Provide
    Arbitrary<String> edges() {
        return Arbitraries.of("2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                "2026-12-31T23:59:60Z", "2026-12-31T24:00:00Z", "2026-00-10T00:00:00Z", "2026-13-10T00:00:00Z",
                "2026-01-00T00:00:00Z", "2026-01-01T00:60:00Z", "2026-11-01T09:00:00.Z", "2026-11-01T09:00:00.1234567890Z",
                "2026-11-01T09:00:00.123456Z", "2026-11-01T09:00:00+01:00", "2026-11-01t09:00:00z", "0000-01-01T00:00:00Z",
                "+12026-11-01T09:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-11-01T09:00Z");
    }
}
