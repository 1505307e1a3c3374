package io.attestream.ingest;

import io.attestream.schemas.EventRules.Violation;
import java.util.List;

/** The event breaks the schema or {@link io.attestream.schemas.EventRules}; each violation names its field path. */
public final class InvalidEventException extends IngestException {
    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidEventException(List<Violation> violations) {
        super("invalid event: " + violations);
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
