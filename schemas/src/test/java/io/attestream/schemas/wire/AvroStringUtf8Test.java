package io.attestream.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventRules;
import io.attestream.schemas.EventType;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.WireFormatException.CorruptAvroException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Strings in Avro data must be well-formed UTF-8; the decoders would otherwise replace bad bytes by U+FFFD. */
class AvroStringUtf8Test {
    private static final Schema STRING = Schema.create(Schema.Type.STRING);

    /** The Avro encoding of a string whose UTF-8 bytes are {@code utf8} (length varint, then the bytes). */
    private static byte[] avroString(byte[] utf8) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long z = (long) utf8.length << 1;
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        out.write(utf8, 0, utf8.length);
        return out.toByteArray();
    }

    private static boolean accepted(byte[] utf8) {
        byte[] datum = avroString(utf8);
        try {
            AvroBoundsCheck.check(STRING, datum, 0, datum.length);
            return true;
        } catch (AvroBoundsCheck.Corrupt e) {
            assertThat(e).hasMessageContaining("string is not UTF-8");
            return false;
        }
    }

    /** The JDK's decoder made strict: the oracle. */
    private static boolean strictlyUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void acceptsEveryOneAndTwoByteStringExactlyWhenAStrictDecoderDoes() {
        for (int a = 0; a < 256; a++) {
            byte[] one = {(byte) a};
            assertThat(accepted(one)).as("%02x", a).isEqualTo(strictlyUtf8(one));
            for (int b = 0; b < 256; b++) {
                byte[] two = {(byte) a, (byte) b};
                assertThat(accepted(two)).as("%02x %02x", a, b).isEqualTo(strictlyUtf8(two));
            }
        }
    }

    @Test
    void acceptsLongerStringsExactlyWhenAStrictDecoderDoes() {
        Random r = new Random(20261207);
        // Lead bytes, continuation bytes and ASCII in equal shares, so that every branch is hit often.
        int[][] classes = {{0x00, 0x7f}, {0x80, 0xbf}, {0xc0, 0xff}};
        int refused = 0;
        for (int i = 0; i < 300_000; i++) {
            byte[] b = new byte[3 + r.nextInt(18)];
            for (int k = 0; k < b.length; k++) {
                int[] c = classes[r.nextInt(classes.length)];
                b[k] = (byte) (c[0] + r.nextInt(c[1] - c[0] + 1));
            }
            boolean expected = strictlyUtf8(b);
            assertThat(accepted(b)).as(HexFormat.ofDelimiter(" ").formatHex(b)).isEqualTo(expected);
            if (expected) {
                // What EventRules.violationsOfDecoded relies on: accepted UTF-8 decodes without a lone surrogate.
                assertThat(EventRules.loneSurrogate(new String(b, StandardCharsets.UTF_8))).isEqualTo(-1);
            }
            refused += expected ? 0 : 1;
        }
        assertThat(refused).as("both answers occur").isBetween(1, 299_999);
    }

    @Test
    void acceptsTheEdgesOfEachSequenceLengthAndRefusesJustBeyondThem() {
        String[] good = {"7f", "c2 80", "df bf", "e0 a0 80", "ed 9f bf", "ee 80 80", "ef bf bf", "f0 90 80 80",
                "f4 8f bf bf", "f0 9f 98 80"};
        String[] bad = {"80", "c0 80", "c1 bf", "e0 9f bf", "ed a0 80", "ed bf bf", "f0 8f bf bf", "f4 90 80 80",
                "f5 80 80 80", "ff", "e2 82", "f0 9f 98"};
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (String g : good) {
            assertThat(accepted(hex.parseHex(g))).as(g).isTrue();
        }
        for (String b : bad) {
            assertThat(accepted(hex.parseHex(b))).as(b).isFalse();
        }
        // ASCII around one sequence, at every position of the eight-byte steps and of the byte-wise tail.
        for (int p = 0; p < 24; p++) {
            byte[] s = new byte[25];
            java.util.Arrays.fill(s, (byte) 'a');
            s[p] = (byte) 0xff;
            assertThat(accepted(s)).as("0xff at %d", p).isFalse();
            s[p] = (byte) 0xc3;
            s[p + 1] = (byte) 0xa9;
            assertThat(accepted(s)).as("c3 a9 at %d", p).isTrue();
            s[p + 1] = (byte) 'a';
            assertThat(accepted(s)).as("c3 cut at %d", p).isFalse();
        }
    }

    @Test
    void refusesAnEventWhoseAgentIdIsNotUtf8InsteadOfDecodingItToReplacementCharacters() throws Exception {
        try (InProcessRegistry registry = new InProcessRegistry()) {
            AuditEventCodec codec = new AuditEventCodec(SchemaRegistryClient.forUrl(registry.url()));
            AuditEvent event = SampleEvents.of(EventType.AGENT_ACTION, "acme", "agent-XYZ", 1);
            int id = SchemaRegistryClient.forUrl(registry.url()).register("t-value", AuditEventCodec.currentSchema());
            byte[] good = AuditEventCodec.encode(id, event);
            int at = indexOf(good, "XYZ".getBytes(StandardCharsets.US_ASCII));
            // "\xff\xfe" + "Z" and the CESU-8 form of a lone surrogate, ED A0 80: both decoded to U+FFFD before.
            for (byte[] bad : new byte[][] {{(byte) 0xff, (byte) 0xfe, 'Z'}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}}) {
                byte[] record = good.clone();
                System.arraycopy(bad, 0, record, at, bad.length);
                assertThatThrownBy(() -> codec.decode(record)).isInstanceOf(CorruptAvroException.class)
                        .hasMessageContaining("string is not UTF-8")
                        .hasMessageContaining("at body offset " + (at - ConfluentWireFormat.HEADER_SIZE));
            }
            assertThat(codec.decode(good).event().getAgentId()).isEqualTo("agent-XYZ");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("needle not found");
    }
}
