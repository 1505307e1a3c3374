package io.attestream.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.attestream.events.AuditEvent;
import io.attestream.events.IncidentRecord;
import io.attestream.schemas.EventType;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.AuditEventCodec;
import org.junit.jupiter.api.Test;

class WireEncoderTest {
    @Test
    void writesTheBytesOfTheCodecForEveryPayloadType() {
        for (AuditEvent event : SampleEvents.oneOfEach("acme", "refund-bot")) {
            assertThat(WireEncoder.encode(0x01020304, event)).isEqualTo(AuditEventCodec.encode(0x01020304, event));
        }
    }

    @Test
    void reusedBuffersKeepNothingOfTheEventBefore() {
        AuditEvent small = SampleEvents.of(EventType.EVAL_RESULT, "a", "b", 1);
        AuditEvent large = SampleEvents.of(EventType.INCIDENT_RECORD, "acme-" + "x".repeat(150), "bot", 2);
        IncidentRecord incident = (IncidentRecord) large.getPayload();
        large = AuditEvent.newBuilder(large).setPayload(IncidentRecord.newBuilder(incident)
                .setSummary("s".repeat(5000)).build()).build();
        assertThat(WireEncoder.encode(7, large)).isEqualTo(AuditEventCodec.encode(7, large));
        assertThat(WireEncoder.encode(7, small)).isEqualTo(AuditEventCodec.encode(7, small));
        assertThat(WireEncoder.encode(8, large)).isEqualTo(AuditEventCodec.encode(8, large));
    }
}
