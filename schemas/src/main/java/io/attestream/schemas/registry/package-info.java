/**
 * A small client of the Confluent Schema Registry REST API (io.confluent artifacts are not needed), used by the
 * serde in {@code io.attestream.schemas.wire} and by operators' tooling.
 */
package io.attestream.schemas.registry;
