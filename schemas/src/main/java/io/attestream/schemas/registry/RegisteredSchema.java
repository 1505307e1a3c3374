package io.attestream.schemas.registry;

import static java.util.Objects.requireNonNull;

import org.apache.avro.Schema;

/**
 * A schema as the registry knows it under a subject.
 *
 * @param subject subject name, e.g. {@code attestream.events-value}
 * @param id      global schema id: the 4 bytes after the magic byte on the wire
 * @param version version of the schema under the subject
 * @param schema  the parsed Avro schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
    public RegisteredSchema {
        requireNonNull(subject, "subject");
        requireNonNull(schema, "schema");
    }
}
