package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Encodes and decodes {@link AuditEvent}s in Confluent wire format and gives the chain identity of each: schema id,
 * schema fingerprint and the exact Avro body. Thread-safe.
 *
 * <p>Decoding contract: it returns a {@link DecodedEvent} or throws a {@link WireFormatException} subclass naming
 * what is wrong with the bytes and where; it MUST NOT return null and MUST NOT throw for bad bytes anything else.
 * A registry that cannot be reached raises {@link RegistryUnavailableException}, which is not a property of
 * the record.
 */
public final class AuditEventCodec {
    private static final SpecificDatumWriter<AuditEvent> WRITER = new SpecificDatumWriter<>(AuditEvent.class);

    private final SpecificRecordCodec<AuditEvent> codec;

    public AuditEventCodec(SchemaRegistryClient registry) {
        this.codec = new SpecificRecordCodec<>(requireNonNull(registry, "registry"), AuditEvent.class,
                AuditEvent.getClassSchema());
    }

    /** The schema every event is written with by this codec: the generated {@link AuditEvent} schema. */
    public static Schema currentSchema() {
        return AuditEvent.getClassSchema();
    }

    /** SHA-256 of the Avro Parsing Canonical Form of {@code schema}: the schema identity hashed into chains. */
    public static byte[] fingerprint(Schema schema) {
        return SpecificRecordCodec.fingerprint(schema);
    }

    /** Avro binary body of {@code event} under {@link #currentSchema()}. */
    public static byte[] encodeBody(AuditEvent event) {
        return SpecificRecordCodec.write(WRITER, event);
    }

    /** Full wire-format record: header with {@code schemaId}, then {@link #encodeBody}. */
    public static byte[] encode(int schemaId, AuditEvent event) {
        return ConfluentWireFormat.frame(schemaId, encodeBody(event));
    }

    /**
     * Decodes one wire-format record.
     *
     * @throws WireFormatException for any defect of the bytes or of the schema they name
     * @throws RegistryUnavailableException when the registry cannot be asked; retry later
     */
    public DecodedEvent decode(byte[] record) {
        SpecificRecordCodec.Decoded<AuditEvent> decoded = codec.decode(record);
        byte[] body = new byte[record.length - ConfluentWireFormat.HEADER_SIZE];
        System.arraycopy(record, ConfluentWireFormat.HEADER_SIZE, body, 0, body.length);
        return new DecodedEvent(decoded.schemaId(), decoded.fingerprint(), body, decoded.value());
    }
}
