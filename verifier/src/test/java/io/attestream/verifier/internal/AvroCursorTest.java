package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class AvroCursorTest {
    private static final Schema SCHEMA = AuditEventCodec.currentSchema();

    /** What a skip did: the bytes it left, or the message it failed with. */
    private static String outcome(byte[] b, int len, AvroCursor.Skip skip) {
        AvroCursor c = new AvroCursor(b, 5, len);
        try {
            skip.skip(c);
            return "left " + c.remaining();
        } catch (AvroCursor.Corrupt e) {
            return "corrupt: " + e.getMessage();
        }
    }

    /** Every event type, with and without its optional envelope fields (controls, trace and session ids). */
    private static List<byte[]> corpus() throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (EventType t : EventType.values()) {
            for (int n = 0; n < 3; n++) {
                AuditEvent e = SampleEvents.of(t, "acme", "agent-" + n, n);
                if (n == 1) {
                    e.setControls(List.of("A.5.1", "A.8.15"));
                    e.setTraceId(null);
                    e.setSessionId(null);
                }
                out.add(AuditEventCodec.encode(1, e));
            }
        }
        return out;
    }

    @Test
    void compiledSkipReadsAndRejectsExactlyAsTheSchemaWalkOnEveryEventTypeCutAndFlipped() throws Exception {
        AvroCursor.Skip compiled = AvroCursor.compile(SCHEMA);
        AvroCursor.Skip walk = c -> c.skip(SCHEMA);
        Random random = new Random(16);
        int corrupt = 0;
        int compared = 0;
        for (byte[] event : corpus()) {
            int body = event.length - 5;
            assertThat(outcome(event, body, compiled)).isEqualTo("left 0");
            for (int len = 0; len <= body; len++) {
                assertThat(outcome(event, len, compiled)).as("cut at %d", len).isEqualTo(outcome(event, len, walk));
                compared++;
            }
            for (int i = 0; i < 200; i++) {
                byte[] flipped = event.clone();
                flipped[5 + random.nextInt(body)] ^= (byte) (1 << random.nextInt(8));
                String want = outcome(flipped, body, walk);
                assertThat(outcome(flipped, body, compiled)).isEqualTo(want);
                corrupt += want.startsWith("corrupt") ? 1 : 0;
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(EventType.values().length * 3 * 200);
        assertThat(corrupt).as("flips that break the datum").isPositive();
    }

    @Test
    void recursiveSchemaIsWalkedWithItsNestingBound() {
        Schema node = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
                + "{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
        byte[] deep = new byte[5 + 100];
        java.util.Arrays.fill(deep, 5, deep.length, (byte) 2);
        AvroCursor.Skip compiled = AvroCursor.compile(node);
        assertThat(outcome(deep, 100, compiled)).isEqualTo(outcome(deep, 100, c -> c.skip(node)))
                .startsWith("corrupt: nesting deeper than 64");
        byte[] shallow = {0, 0, 0, 0, 0, 2, 2, 0};
        assertThat(outcome(shallow, 3, compiled)).isEqualTo("left 0");
    }
}
