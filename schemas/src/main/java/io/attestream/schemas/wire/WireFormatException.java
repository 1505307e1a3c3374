package io.attestream.schemas.wire;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Root of "these bytes are not a valid AuditEvent in Confluent wire format". Always a property of the data, never of
 * the environment: a record that raises it can be dead-lettered safely (registry outages raise
 * {@link io.attestream.schemas.registry.SchemaRegistryException.RegistryUnavailableException} instead).
 * Each subclass names what is wrong; the message says where (byte offset, schema id).
 */
public abstract class WireFormatException extends SerializationException {
    private static final long serialVersionUID = 1L;

    protected WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A short stable name of the failure, used as the dead-letter reason. */
    public abstract String reason();

    /** First byte is not the Confluent magic byte 0. */
    public static final class InvalidMagicByteException extends WireFormatException {
        private static final long serialVersionUID = 1L;

        public InvalidMagicByteException(String message) {
            super(message, null);
        }

        @Override
        public String reason() {
            return "invalid-magic-byte";
        }
    }

    /** Fewer than the 5 header bytes (magic + schema id), or an empty record. */
    public static final class TruncatedRecordException extends WireFormatException {
        private static final long serialVersionUID = 1L;

        public TruncatedRecordException(String message) {
            super(message, null);
        }

        @Override
        public String reason() {
            return "truncated-record";
        }
    }

    /** The schema id in the header is unknown to the registry. */
    public static final class UnknownSchemaIdException extends WireFormatException {
        private static final long serialVersionUID = 1L;
        private final int schemaId;

        public UnknownSchemaIdException(int schemaId, String message, Throwable cause) {
            super(message, cause);
            this.schemaId = schemaId;
        }

        public int schemaId() {
            return schemaId;
        }

        @Override
        public String reason() {
            return "unknown-schema-id";
        }
    }

    /** The writer schema exists but cannot be read as an AuditEvent (wrong type, incompatible change, not Avro). */
    public static final class UnresolvableSchemaException extends WireFormatException {
        private static final long serialVersionUID = 1L;

        public UnresolvableSchemaException(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String reason() {
            return "unresolvable-schema";
        }
    }

    /** The Avro body does not decode under its writer schema: truncated, trailing bytes, or invalid values. */
    public static final class CorruptAvroException extends WireFormatException {
        private static final long serialVersionUID = 1L;

        public CorruptAvroException(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String reason() {
            return "corrupt-avro";
        }
    }
}
