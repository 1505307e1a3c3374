/**
 * The event catalogue's Java face: topic names, payload types with their ISO/IEC 27001 control defaults, and the
 * rules every event must satisfy. The Avro-generated classes live in {@code io.attestream.events}.
 */
package io.attestream.schemas;
