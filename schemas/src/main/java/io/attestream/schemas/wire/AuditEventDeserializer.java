package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for {@link AuditEvent}s in Confluent wire format. Bad bytes raise a {@link WireFormatException}
 * subclass; for the chain identity (schema id, fingerprint, exact body) use {@link AuditEventCodec#decode}.
 */
public final class AuditEventDeserializer implements Deserializer<AuditEvent> {
    private AuditEventCodec codec;

    /** For Kafka's reflective construction; {@link #configure} must follow. */
    public AuditEventDeserializer() {
    }

    public AuditEventDeserializer(SchemaRegistryClient registry) {
        this.codec = new AuditEventCodec(registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.codec = new AuditEventCodec(new SchemaRegistryClient(new AuditEventSerdeConfig(configs).registryConfig()));
    }

    @Override
    public AuditEvent deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        requireNonNull(codec, "deserializer not configured: call configure() or use the registry constructor");
        return codec.decode(data).event();
    }
}
