/**
 * Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary) for {@code AuditEvent}:
 * the codec, Kafka serializer and deserializer, and the specific exceptions for bad bytes.
 */
package io.attestream.schemas.wire;
