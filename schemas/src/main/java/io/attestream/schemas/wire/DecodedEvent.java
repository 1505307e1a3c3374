package io.attestream.schemas.wire;

import static java.util.Objects.requireNonNull;

import io.attestream.events.AuditEvent;
import java.util.Arrays;

/**
 * An AuditEvent together with exactly what the chain hashes: the registry schema id, the writer schema's
 * fingerprint and the canonical event bytes (the Avro body as received, under the writer schema).
 *
 * @param schemaId          registry id of the writer schema
 * @param schemaFingerprint SHA-256 of the writer schema's Avro Parsing Canonical Form (32 bytes)
 * @param avroBody          the Avro binary body, header excluded
 * @param event             the event read with the current reader schema
 */
public record DecodedEvent(int schemaId, byte[] schemaFingerprint, byte[] avroBody, AuditEvent event) {
    public DecodedEvent {
        requireNonNull(schemaFingerprint, "schemaFingerprint");
        requireNonNull(avroBody, "avroBody");
        requireNonNull(event, "event");
        if (schemaFingerprint.length != 32) {
            throw new IllegalArgumentException("schemaFingerprint must be 32 bytes, got " + schemaFingerprint.length);
        }
        schemaFingerprint = schemaFingerprint.clone();
        avroBody = avroBody.clone();
    }

    @Override
    public byte[] schemaFingerprint() {
        return schemaFingerprint.clone();
    }

    @Override
    public byte[] avroBody() {
        return avroBody.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DecodedEvent other && schemaId == other.schemaId
                && Arrays.equals(schemaFingerprint, other.schemaFingerprint)
                && Arrays.equals(avroBody, other.avroBody) && event.equals(other.event);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * schemaId + Arrays.hashCode(schemaFingerprint)) + Arrays.hashCode(avroBody);
    }

    @Override
    public String toString() {
        return "DecodedEvent[schemaId=" + schemaId + ", bytes=" + avroBody.length + ", event=" + event + "]";
    }
}
