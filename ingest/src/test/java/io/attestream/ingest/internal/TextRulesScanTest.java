package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** The word-at-a-time scans of {@link TextRules} answer as a byte-by-byte scan does, at every offset and length. */
class TextRulesScanTest {
    @Property(tries = 5000)
    void findsABackslashUAsAByteScanDoes(@ForAll("lines") byte[] line) {
        boolean expected = false;
        for (int i = 0; i + 1 < line.length; i++) {
            expected |= line[i] == '\\' && line[i + 1] == 'u';
        }
        assertThat(TextRules.hasUnicodeEscape(line)).isEqualTo(expected);
    }

    @Property(tries = 5000)
    void findsTheFirstNonAsciiByteAsAByteScanDoes(@ForAll("lines") byte[] line) {
        int expected = 0;
        while (expected < line.length && line[expected] >= 0) {
            expected++;
        }
        assertThat(TextRules.asciiPrefix(line)).isEqualTo(expected);
    }

    /** Short and long lines, mostly ASCII letters, with backslashes, u, other escapes' letters and high bytes. */
    @Provide
    Arbitrary<byte[]> lines() {
        Arbitrary<Byte> b = Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.of((byte) 'a', (byte) '"', (byte) 'n', (byte) '0')),
                Tuple.of(3, Arbitraries.of((byte) '\\', (byte) 'u', (byte) ('\\' + 1),
                        (byte) ('\\' - 1), (byte) ('\\' | 0x80))),
                Tuple.of(1, Arbitraries.bytes()));
        return b.array(byte[].class).ofMinSize(0).ofMaxSize(40);
    }
}
