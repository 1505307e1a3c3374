package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

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
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Encodes and decodes one generated Avro record type in Confluent wire format, resolving writer schemas through a
 * {@link SchemaRegistryClient}. Thread-safe; per-schema-id state is cached.
 *
 * <p>Decoding contract: it returns a value or throws a {@link WireFormatException} subclass naming what is wrong
 * with the bytes and where; it MUST NOT return null and MUST NOT throw for bad bytes anything else. A registry that
 * cannot be reached raises {@link RegistryUnavailableException}, which is not a property of the record.
 *
 * @param <T> the generated record class
 */
public final class SpecificRecordCodec<T extends SpecificRecordBase> {
    private final Schema readerSchema;
    private final SpecificDatumWriter<T> datumWriter;
    private final SchemaRegistryClient registry;
    private final ConcurrentMap<Integer, WriterSchema<T>> writers = new ConcurrentHashMap<>();

    /** What is known about one writer schema id, computed once. */
    private record WriterSchema<T>(int id, Schema schema, byte[] fingerprint, SpecificDatumReader<T> reader,
                                   String unresolvable) { }

    /**
     * A value with the identity of the schema it was written with.
     *
     * @param schemaId    registry id of the writer schema
     * @param fingerprint SHA-256 of the writer schema's Parsing Canonical Form (do not modify)
     * @param value       the value read with the reader schema
     * @param <T>         record type
     */
    public record Decoded<T>(int schemaId, byte[] fingerprint, T value) { }

    public SpecificRecordCodec(SchemaRegistryClient registry, Class<T> type, Schema readerSchema) {
        this.registry = requireNonNull(registry, "registry");
        this.readerSchema = requireNonNull(readerSchema, "readerSchema");
        this.datumWriter = new SpecificDatumWriter<>(requireNonNull(type, "type"));
    }

    /** The schema values are written with: the generated class's schema. */
    public Schema schema() {
        return readerSchema;
    }

    /** SHA-256 of the Avro Parsing Canonical Form of {@code schema}: the schema identity hashed into chains. */
    public static byte[] fingerprint(Schema schema) {
        try {
            return SchemaNormalization.parsingFingerprint("SHA-256", schema);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    /** Avro binary body of {@code value} under {@link #schema()}. */
    public byte[] encodeBody(T value) {
        return write(datumWriter, value);
    }

    static <V> byte[] write(SpecificDatumWriter<V> writer, V value) {
        requireNonNull(value, "value");
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Full wire-format record: header with {@code schemaId}, then {@link #encodeBody}. */
    public byte[] encode(int schemaId, T value) {
        return ConfluentWireFormat.frame(schemaId, encodeBody(value));
    }

    /**
     * Decodes one wire-format record.
     *
     * @throws WireFormatException for any defect of the bytes or of the schema they name
     * @throws RegistryUnavailableException when the registry cannot be asked; retry later
     */
    public Decoded<T> decode(byte[] record) {
        int schemaId = ConfluentWireFormat.schemaId(record);
        WriterSchema<T> writer = writerSchema(schemaId);
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
        T value;
        try {
            value = writer.reader().read(null, decoder);
        } catch (IOException | RuntimeException e) {
            // Bounds are fine, so the values are wrong: e.g. an eventId that is not a UUID.
            throw new CorruptAvroException(String.format("schema id %d: Avro body of %d bytes has an invalid value: %s",
                    schemaId, length, e), e);
        }
        return new Decoded<>(schemaId, writer.fingerprint(), value);
    }

    private WriterSchema<T> writerSchema(int schemaId) {
        WriterSchema<T> known = writers.get(schemaId);
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
            WriterSchema<T> bad = new WriterSchema<>(schemaId, null, null, null, "schema id " + schemaId
                    + " cannot be used: " + e.getMessage());
            writers.putIfAbsent(schemaId, bad);
            return bad;
        }
        SchemaPairCompatibility compatibility = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, schema);
        WriterSchema<T> computed;
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            computed = new WriterSchema<>(schemaId, schema, null, null, "schema id " + schemaId + " ("
                    + schema.getFullName() + ") cannot be read as " + readerSchema.getFullName() + ": "
                    + compatibility.getResult().getIncompatibilities());
        } else {
            computed = new WriterSchema<>(schemaId, schema, fingerprint(schema),
                    new SpecificDatumReader<>(schema, readerSchema), null);
        }
        WriterSchema<T> raced = writers.putIfAbsent(schemaId, computed);
        return raced != null ? raced : computed;
    }
}
