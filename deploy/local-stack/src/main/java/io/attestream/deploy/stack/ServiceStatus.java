package io.attestream.deploy.stack;

import static java.util.Objects.requireNonNull;

/**
 * What {@code status} found for one service.
 *
 * @param service {@code kafka}, {@code registry} or {@code clickhouse}
 * @param state whether it runs and answers
 * @param pid its process id, or -1 when not running
 * @param endpoint where it listens (or would)
 * @param rssBytes its resident memory from {@code /proc/<pid>/status}, or -1 when not running or unknown
 */
public record ServiceStatus(String service, State state, long pid, String endpoint, long rssBytes) {

    /** Run state of a service. */
    public enum State {
        /** Its process is alive and its port accepts connections. */
        RUNNING,
        /** Its process is alive but its port does not accept connections (starting, or stuck). */
        NOT_ANSWERING,
        /** No live process. */
        STOPPED
    }

    /** Validates. */
    public ServiceStatus {
        requireNonNull(service, "service");
        requireNonNull(state, "state");
        requireNonNull(endpoint, "endpoint");
    }
}
