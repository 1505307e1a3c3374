package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.schemas.Topics;
import io.attestream.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record in Confluent wire format, subject {@code <topic>-value}. Used for the
 * pipeline's own topics (chained events, checkpoints, drift alerts); producers' AuditEvents use
 * {@link AuditEventSerializer}.
 *
 * @param <T> generated record class
 */
public final class WireSerde<T extends SpecificRecordBase> implements Serde<T> {
    private final SpecificRecordCodec<T> codec;
    private final SchemaRegistryClient registry;
    private final boolean autoRegister;

    public WireSerde(SchemaRegistryClient registry, SpecificRecordCodec<T> codec, boolean autoRegister) {
        this.registry = requireNonNull(registry, "registry");
        this.codec = requireNonNull(codec, "codec");
        this.autoRegister = autoRegister;
    }

    /** A serde for {@code type} whose schema is {@code type}'s generated one. */
    public static <T extends SpecificRecordBase> WireSerde<T> of(SchemaRegistryClient registry, Class<T> type,
                                                                  Schema schema, boolean autoRegister) {
        return new WireSerde<>(registry, new SpecificRecordCodec<>(registry, type, schema), autoRegister);
    }

    /** The codec, for callers that need the schema identity of decoded values. */
    public SpecificRecordCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            String subject = Topics.valueSubject(topic);
            int id = autoRegister ? registry.register(subject, codec.schema()) : registry.idOf(subject, codec.schema());
            return codec.encode(id, value);
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : codec.decode(bytes).value();
    }
}
