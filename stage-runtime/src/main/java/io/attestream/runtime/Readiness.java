package io.attestream.runtime;

import static java.util.Objects.requireNonNull;

/** What a stage answers on {@code /ready} (and, for {@link HealthServer#liveness}, on {@code /live}). */
@FunctionalInterface
public interface Readiness {
    /**
     * Called on every probe, from the server's thread: MUST be fast and MUST NOT block on I/O (read state the stage
     * keeps up to date instead).
     *
     * @return the current status
     */
    Status check();

    /**
     * @param ready true when the stage is connected and processing
     * @param detail why not, or what it is doing (shown in the probe's body)
     */
    record Status(boolean ready, String detail) {
        /** Requires a detail. */
        public Status {
            requireNonNull(detail, "detail");
        }

        /** @return a ready status */
        public static Status up(String detail) {
            return new Status(true, detail);
        }

        /** @return a not-ready status */
        public static Status down(String detail) {
            return new Status(false, detail);
        }
    }
}
