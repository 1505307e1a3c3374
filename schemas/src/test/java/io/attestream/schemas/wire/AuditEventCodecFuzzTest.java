package io.attestream.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.SampleEvents;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Whatever bytes arrive, decoding either succeeds or raises a WireFormatException: never anything else. */
class AuditEventCodecFuzzTest {
    private static InProcessRegistry registry;
    private static AuditEventCodec codec;
    private static int schemaId;
    private static byte[] valid;

    @BeforeContainer
    static void start() throws Exception {
        registry = new InProcessRegistry();
        SchemaRegistryClient client = SchemaRegistryClient.forUrl(registry.url());
        schemaId = client.register("attestream.events-value", AuditEvent.getClassSchema());
        codec = new AuditEventCodec(client);
        valid = AuditEventCodec.encode(schemaId, SampleEvents.of(EventType.AGENT_ACTION, "acme", "bot", 5));
    }

    @AfterContainer
    static void stop() {
        registry.close();
    }

    @Property(tries = 2000)
    void randomBodiesNeverEscapeAsOtherExceptions(@ForAll @Size(max = 600) byte[] body) {
        assertOnlyWireFormatFailures(ConfluentWireFormat.frame(schemaId, body));
    }

    @Property(tries = 2000)
    void mutatedValidRecordsNeverEscapeAsOtherExceptions(@ForAll @IntRange(min = 5, max = 10_000) int position,
                                                         @ForAll byte value, @ForAll @IntRange(max = 40) int cut) {
        byte[] mutated = valid.clone();
        mutated[position % mutated.length < 5 ? 5 : position % mutated.length] = value;
        assertOnlyWireFormatFailures(Arrays.copyOf(mutated, Math.max(5, mutated.length - cut)));
    }

    private static void assertOnlyWireFormatFailures(byte[] record) {
        Throwable thrown = catchThrowable(() -> codec.decode(record));
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(WireFormatException.class);
            assertThat(thrown.getMessage()).contains("schema id " + schemaId);
        }
    }
}
