package io.attestream.schemas.registry;

/** Confluent compatibility levels, as spelled by the REST API. */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE
}
