package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import io.attestream.schemas.registry.SchemaRegistryClient;
import io.attestream.schemas.registry.SchemaRegistryException.InvalidRequestException;
import io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException;
import io.attestream.schemas.registry.SchemaRegistryException.SchemaNotFoundException;
import io.attestream.schemas.wire.WireFormatException.CorruptAvroException;
import io.attestream.schemas.wire.WireFormatException.UnknownSchemaIdException;
import io.attestream.schemas.wire.WireFormatException.UnresolvableSchemaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Encodes and decodes {@link AuditEvent}s in Confluent wire format, resolving writer schemas through a
 * {@link SchemaRegistryClient}. Thread-safe; per-schema-id state is cached.
 *
 * <p>Decoding contract: it returns a {@link DecodedEvent} or throws a {@link WireFormatException} subclass naming
 * what is wrong with the bytes and where; it MUST NOT return null and MUST NOT throw for bad bytes anything else.
 * A registry that cannot be reached raises {@link RegistryUnavailableException}, which is not a property of
 * the record.
 */
public final class AuditEventCodec {
    private static final Schema READER = AuditEvent.getClassSchema();
    private static final SpecificDatumWriter<AuditEvent> WRITER = new SpecificDatumWriter<>(AuditEvent.class);

    private final SchemaRegistryClient registry;
    private final ConcurrentMap<Integer, WriterSchema> writers = new ConcurrentHashMap<>();

    /** What is known about one writer schema id, computed once. */
    private record WriterSchema(int id, Schema schema, byte[] fingerprint, SpecificDatumReader<AuditEvent> reader,
                                String unresolvable) { }

    public AuditEventCodec(SchemaRegistryClient registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    /** The schema every event is written with by this codec: the generated {@link AuditEvent} schema. */
    public static Schema currentSchema() {
        return READER;
    }

    /** SHA-256 of the Avro Parsing Canonical Form of {@code schema}: the schema identity hashed into chains. */
    public static byte[] fingerprint(Schema schema) {
        try {
            return SchemaNormalization.parsingFingerprint("SHA-256", schema);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    /** Avro binary body of {@code event} under {@link #currentSchema()}. */
    public static byte[] encodeBody(AuditEvent event) {
        requireNonNull(event, "event");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            WRITER.write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
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
        int schemaId = ConfluentWireFormat.schemaId(record);
        WriterSchema writer = writerSchema(schemaId);
        if (writer.unresolvable() != null) {
            throw new UnresolvableSchemaException(writer.unresolvable(), null);
        }
        int length = record.length - ConfluentWireFormat.HEADER_SIZE;
        try {
            AvroBoundsCheck.check(writer.schema(), record, ConfluentWireFormat.HEADER_SIZE, length);
        } catch (AvroBoundsCheck.Corrupt e) {
            throw new CorruptAvroException("schema id " + schemaId + ": Avro body does not decode "
                    + e.getMessage(), null);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(record, ConfluentWireFormat.HEADER_SIZE, length,
                null);
        AuditEvent event;
        try {
            event = writer.reader().read(null, decoder);
        } catch (IOException | RuntimeException e) {
            // Bounds are fine, so the values are wrong: e.g. an eventId that is not a UUID.
            throw new CorruptAvroException(String.format("schema id %d: Avro body of %d bytes has an invalid value: %s",
                    schemaId, length, e), e);
        }
        byte[] body = new byte[length];
        System.arraycopy(record, ConfluentWireFormat.HEADER_SIZE, body, 0, length);
        return new DecodedEvent(schemaId, writer.fingerprint(), body, event);
    }

    /** Registry id of a writer schema plus its fingerprint, without decoding any record. */
    public byte[] fingerprintOf(int schemaId) {
        return writerSchema(schemaId).fingerprint().clone();
    }

    private WriterSchema writerSchema(int schemaId) {
        WriterSchema known = writers.get(schemaId);
        if (known != null) {
            return known;
        }
        Schema schema;
        try {
            schema = registry.schemaById(schemaId);
        } catch (SchemaNotFoundException e) {
            // Not cached: a schema id may be registered later (e.g. registry restored from backup).
            throw new UnknownSchemaIdException(schemaId, "schema id " + schemaId + " is not known to the registry at "
                    + registry.baseUrls() + ": " + e.getMessage(), e);
        } catch (InvalidRequestException e) {
            WriterSchema bad = new WriterSchema(schemaId, null, null, null, "schema id " + schemaId
                    + " cannot be used: " + e.getMessage());
            writers.putIfAbsent(schemaId, bad);
            return bad;
        }
        SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(READER, schema);
        WriterSchema computed;
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            computed = new WriterSchema(schemaId, schema, null, null, "schema id " + schemaId + " ("
                    + schema.getFullName() + ") cannot be read as " + READER.getFullName() + ": "
                    + compatibility.getResult().getIncompatibilities());
        } else {
            computed = new WriterSchema(schemaId, schema, fingerprint(schema),
                    new SpecificDatumReader<>(schema, READER), null);
        }
        WriterSchema raced = writers.putIfAbsent(schemaId, computed);
        return raced != null ? raced : computed;
    }
}
