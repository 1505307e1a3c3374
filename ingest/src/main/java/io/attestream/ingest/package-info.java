/**
 * The JVM SDK: {@link io.attestream.ingest.AuditClient} writes {@link io.attestream.events.AuditEvent}s to
 * {@link io.attestream.schemas.Topics#EVENTS}, keyed {@code tenant/agentId}, in Confluent wire format, with an
 * idempotent producer, a bounded buffer and an optional on-disk spool.
 */
package io.attestream.ingest;
