package io.attestream.chainer.internal;

import static java.util.Objects.requireNonNull;

import io.attestream.schemas.wire.DecodedEvent;

/**
 * A record that passed every check, handed in memory from the routing processor to the chaining processor of the
 * same task (never serialized).
 *
 * @param decoded     the decoded event with its schema identity and Avro body
 * @param recordBytes the record value exactly as received (the array is not copied: nobody writes to it)
 * @param originalKey the record key as received, or null
 * @param source      where it was first read
 */
public record Accepted(DecodedEvent decoded, byte[] recordBytes, byte[] originalKey, SourcePosition source) {
    /** Validates. */
    public Accepted {
        requireNonNull(decoded, "decoded");
        requireNonNull(recordBytes, "recordBytes");
        requireNonNull(source, "source");
    }
}
