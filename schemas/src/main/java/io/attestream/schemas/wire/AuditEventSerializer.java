package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.SchemaNotFoundException;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing {@link AuditEvent}s in Confluent wire format under subject {@code <topic>-value}
 * (Confluent's TopicNameStrategy), so any Confluent-compatible consumer in any language can read them.
 */
public final class AuditEventSerializer implements Serializer<AuditEvent> {
    private SchemaRegistryClient registry;
    private boolean autoRegister;

    /** For Kafka's reflective construction; {@link #configure} must follow. */
    public AuditEventSerializer() {
    }

    public AuditEventSerializer(SchemaRegistryClient registry, boolean autoRegister) {
        this.registry = requireNonNull(registry, "registry");
        this.autoRegister = autoRegister;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AuditEventSerdeConfig config = new AuditEventSerdeConfig(configs);
        this.registry = new SchemaRegistryClient(config.registryConfig());
        this.autoRegister = config.getBoolean(AuditEventSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    @Override
    public byte[] serialize(String topic, AuditEvent event) {
        if (event == null) {
            return null;
        }
        requireNonNull(registry, "serializer not configured: call configure() or use the registry constructor");
        return AuditEventCodec.encode(schemaId(topic), event);
    }

    /** The id of the current AuditEvent schema under {@code <topic>-value}, registering it if so configured. */
    public int schemaId(String topic) {
        String subject = topic + "-value";
        if (autoRegister) {
            return registry.register(subject, AuditEventCodec.currentSchema());
        }
        try {
            return registry.idOf(subject, AuditEventCodec.currentSchema());
        } catch (SchemaNotFoundException e) {
            throw new SerializationException("the AuditEvent schema of this build is not registered under subject '"
                    + subject + "'; register it (attestream schemas register) or set "
                    + AuditEventSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG + "=true: " + e.getMessage(), e);
        }
    }
}
