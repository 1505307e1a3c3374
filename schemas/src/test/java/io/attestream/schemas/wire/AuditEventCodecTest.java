package io.attestream.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.EventType;
import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import io.attestream.schemas.testing.InProcessRegistry;
import io.attestream.schemas.testing.SampleEvents;
import io.attestream.schemas.wire.WireFormatException.CorruptAvroException;
import io.attestream.schemas.wire.WireFormatException.InvalidMagicByteException;
import io.attestream.schemas.wire.WireFormatException.TruncatedRecordException;
import io.attestream.schemas.wire.WireFormatException.UnknownSchemaIdException;
import io.attestream.schemas.wire.WireFormatException.UnresolvableSchemaException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AuditEventCodecTest {
    private InProcessRegistry registry;
    private SchemaRegistryClient client;
    private AuditEventSerializer serializer;
    private AuditEventCodec codec;

    @BeforeEach
    void start() throws Exception {
        registry = new InProcessRegistry();
        client = SchemaRegistryClient.forUrl(registry.url());
        serializer = new AuditEventSerializer(client, true);
        codec = new AuditEventCodec(SchemaRegistryClient.forUrl(registry.url()));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void roundTripsEveryEventType(EventType type) {
        AuditEvent event = SampleEvents.of(type, "acme", "refund-bot", 4);
        byte[] bytes = serializer.serialize(Topics.EVENTS, event);

        assertThat(bytes[0]).isEqualTo(ConfluentWireFormat.MAGIC_BYTE);
        DecodedEvent decoded = codec.decode(bytes);
        assertThat(decoded.event()).isEqualTo(event);
        assertThat(EventType.of(decoded.event())).isEqualTo(type);
        assertThat(decoded.schemaId()).isEqualTo(ConfluentWireFormat.schemaId(bytes));
        assertThat(decoded.avroBody()).isEqualTo(Arrays.copyOfRange(bytes, 5, bytes.length));
        assertThat(decoded.schemaFingerprint()).isEqualTo(AuditEventCodec.fingerprint(AuditEvent.getClassSchema()));
    }

    @Test
    void deserializerReturnsTheSameEventAsTheCodec() {
        AuditEvent event = SampleEvents.of(EventType.POLICY_CHANGE, "acme", "a1", 1);
        byte[] bytes = serializer.serialize(Topics.EVENTS, event);
        try (AuditEventDeserializer deserializer = new AuditEventDeserializer(client)) {
            assertThat(deserializer.deserialize(Topics.EVENTS, bytes)).isEqualTo(event);
        }
    }

    @Test
    void cachesWriterSchemasById() {
        byte[] bytes = serializer.serialize(Topics.EVENTS, SampleEvents.of(EventType.EVAL_RESULT, "t", "a", 1));
        codec.decode(bytes);
        codec.decode(bytes);
        codec.decode(bytes);
        assertThat(registry.requests().stream().filter(r -> r.startsWith("GET /schemas/ids/"))).hasSize(1);
    }

    @Test
    void rejectsWrongMagicByteSayingWhatAndWhere() {
        byte[] json = "{\"eventId\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(json))
                .isInstanceOf(InvalidMagicByteException.class)
                .hasMessageContaining("byte 0 is 0x7b")
                .hasMessageContaining("7b 22 65");
    }

    @Test
    void rejectsRecordsShorterThanTheHeader() {
        assertThatThrownBy(() -> codec.decode(new byte[] {0, 0, 1}))
                .isInstanceOf(TruncatedRecordException.class).hasMessageContaining("3 bytes");
        assertThatThrownBy(() -> codec.decode(new byte[0])).isInstanceOf(TruncatedRecordException.class);
    }

    @Test
    void rejectsUnknownSchemaId() {
        byte[] bytes = AuditEventCodec.encode(4242, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 1));
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOfSatisfying(UnknownSchemaIdException.class, e -> assertThat(e.schemaId()).isEqualTo(4242))
                .hasMessageContaining("schema id 4242");
    }

    @Test
    void rejectsTruncatedAvroBody() {
        byte[] bytes = serializer.serialize(Topics.EVENTS, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 1));
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 7);
        assertThatThrownBy(() -> codec.decode(cut))
                .isInstanceOf(CorruptAvroException.class)
                .hasMessageContaining("does not decode")
                .hasMessageContaining("body offset");
    }

    @Test
    void rejectsTrailingBytesAfterTheRecord() {
        byte[] bytes = serializer.serialize(Topics.EVENTS, SampleEvents.of(EventType.RISK_DECISION, "t", "a", 1));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> codec.decode(longer))
                .isInstanceOf(CorruptAvroException.class).hasMessageContaining("3 trailing bytes");
    }

    @Test
    void rejectsAnInvalidUnionBranch() {
        AuditEvent event = SampleEvents.of(EventType.RISK_DECISION, "t", "a", 1);
        byte[] bytes = serializer.serialize(Topics.EVENTS, event);
        byte[] body = AuditEventCodec.encodeBody(event);
        // The payload union index is the first byte after the controls array; corrupt the whole tail instead,
        // which lands on the union index or a string length either way.
        byte[] broken = bytes.clone();
        for (int i = broken.length - body.length / 3; i < broken.length; i++) {
            broken[i] = (byte) 0xff;
        }
        assertThatThrownBy(() -> codec.decode(broken)).isInstanceOf(CorruptAvroException.class);
    }

    @Test
    void rejectsASchemaThatIsNotAnAuditEvent() {
        Schema other = SchemaBuilder.record("Invoice").namespace("com.example").fields()
                .requiredString("number").endRecord();
        int id = client.register("invoices-value", other);
        byte[] bytes = ConfluentWireFormat.frame(id, new byte[] {2, 'x'});
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(UnresolvableSchemaException.class)
                .hasMessageContaining("schema id " + id)
                .hasMessageContaining("com.example.Invoice");
    }

    @Test
    void registryOutageIsNotAWireFormatError() {
        byte[] bytes = serializer.serialize(Topics.EVENTS, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 1));
        registry.failWith(503);
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOf(RegistryUnavailableException.class)
                .isNotInstanceOf(WireFormatException.class);
    }

    @Test
    void serializerRefusesUnregisteredSchemaWhenAutoRegisterIsOff() {
        AuditEventSerializer strict = new AuditEventSerializer(client, false);
        assertThatThrownBy(() -> strict.serialize(Topics.EVENTS, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 1)))
                .hasMessageContaining("not registered under subject 'attestream.events-value'")
                .hasMessageContaining("auto.register.schemas");
        serializer.serialize(Topics.EVENTS, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 1));
        assertThat(strict.serialize(Topics.EVENTS, SampleEvents.of(EventType.AGENT_ACTION, "t", "a", 2))).isNotEmpty();
    }
}
