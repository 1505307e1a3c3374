package io.attestream.chainer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.chain.ChainedEvent;
import io.attestream.events.Sha256;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.wire.WireSerde;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChainedEventWireTest {
    private static final String TOPIC = "attestream.events.chained";

    private InProcessRegistry registry;
    private SchemaRegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = new InProcessRegistry();
        client = SchemaRegistryClient.forUrl(registry.url());
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private static String text(Random r, int maxLength) {
        // ASCII, Latin-1, BMP beyond it, and supplementary characters (surrogate pairs): 1-4 UTF-8 bytes each.
        int[] pool = {'a', 'Z', '0', '/', '-', 0xE9, 0x20AC, 0x4E2D, 0x1F600, 0x10348};
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(maxLength + 1);
        for (int i = 0; i < n; i++) {
            s.appendCodePoint(pool[r.nextInt(pool.length)]);
        }
        return s.toString();
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A long drawn over every varint length, signs and the extremes. */
    private static long anyLong(Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            case 1:
                return r.nextLong() >> r.nextInt(64);
            case 2:
                return r.nextInt(300) - 150;
            default:
                return r.nextLong();
        }
    }

    private static int anyInt(Random r) {
        return (int) (anyLong(r) >> 32);
    }

    @Test
    void writesTheBytesOfTheGeneratedSerializerForTheSameValues() {
        ChainedEventWire wire = new ChainedEventWire(client, TOPIC, true);
        WireSerde<ChainedEvent> serde = WireSerde.of(client, ChainedEvent.class, ChainedEvent.getClassSchema(), true);
        Random r = new Random(20261207);
        for (int i = 0; i < 2_000; i++) {
            // Instants of either sign with any micro; chainedAt as the chainer makes it (ms * 1000).
            Instant occurred = Instant.ofEpochSecond(r.nextInt() * 7L, r.nextInt(1_000_000) * 1_000L);
            long chainedMs = (r.nextLong() >> 24);
            ChainedEventWire.Values v = new ChainedEventWire.Values(text(r, 12), text(r, 40), Math.abs(anyLong(r)),
                    bytes(r, 32), bytes(r, 32), anyInt(r), bytes(r, 32), text(r, 36), text(r, 20), text(r, 8),
                    occurred, chainedMs * 1000, bytes(r, r.nextInt(3) == 0 ? r.nextInt(20_000) : r.nextInt(300)),
                    text(r, 30), anyInt(r), anyLong(r), 1 + r.nextInt(2));
            ChainedEvent expected = new ChainedEvent(v.tenant(), v.agentId(), v.seq(), new Sha256(v.prevHash()),
                    new Sha256(v.hash()), v.schemaId(), new Sha256(v.schemaFingerprint()), v.eventId(), v.eventType(),
                    v.agentVersion(), v.occurredAt(), Instant.ofEpochMilli(chainedMs), ByteBuffer.wrap(v.eventBytes()),
                    v.sourceTopic(), v.sourcePartition(), v.sourceOffset(), v.entryVersion());
            assertThat(wire.write(v)).as("event %d", i).isEqualTo(serde.serializer().serialize(TOPIC, expected));
        }
    }

    @Test
    void resolvesTheSchemaIdUnderTheTopicsValueSubject() {
        int id = client.register(TOPIC + "-value", ChainedEvent.getClassSchema());
        ChainedEventWire wire = new ChainedEventWire(client, TOPIC, false);
        byte[] b = wire.write(new ChainedEventWire.Values("t", "a", 0, new byte[32], new byte[32], 1, new byte[32],
                "e", "AgentAction", "v1", Instant.EPOCH, 0, new byte[] {0, 0, 0, 0, 1}, "in", 0, 0, 2));
        assertThat(b[0]).isEqualTo((byte) 0);
        assertThat(ByteBuffer.wrap(b, 1, 4).getInt()).isEqualTo(id);
    }

    @Test
    void refusesAHashThatIsNot32Bytes() {
        ChainedEventWire wire = new ChainedEventWire(client, TOPIC, true);
        assertThatThrownBy(() -> wire.write(new ChainedEventWire.Values("t", "a", 0, new byte[31], new byte[32], 1,
                new byte[32], "e", "AgentAction", "v1", Instant.EPOCH, 0, new byte[5], "in", 0, 0, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 31");
    }

    @Test
    void itsFieldListIsTheSchemasAndAChangedSchemaDescribesDifferently() {
        assertThat(ChainedEventWire.describe(ChainedEvent.getClassSchema())).isEqualTo(ChainedEventWire.FIELDS);
        // A field added at the end (as a new schema release would) no longer matches what the writer writes.
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("ChainedEvent")
                .namespace("io.attestream.chain").fields();
        for (Schema.Field f : ChainedEvent.getClassSchema().getFields()) {
            fields = fields.name(f.name()).type(f.schema()).noDefault();
        }
        Schema grown = fields.name("extra").type().stringType().stringDefault("").endRecord();
        assertThat(ChainedEventWire.describe(grown)).isNotEqualTo(ChainedEventWire.FIELDS)
                .endsWith("extra:string");
    }
}
