package io.attestream.drift;

/** Root exception of the drift detector; the message names the record (topic, partition, offset) or config key. */
public class DriftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, with its context */
    public DriftException(String message) {
        super(message);
    }

    /** @param message what failed, with its context; @param cause why */
    public DriftException(String message, Throwable cause) {
        super(message, cause);
    }
}
