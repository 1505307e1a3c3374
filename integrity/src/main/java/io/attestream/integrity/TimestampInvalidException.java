package io.attestream.integrity;

/**
 * An RFC 3161 token does not verify: wrong message imprint, untrusted or invalid certificate chain, unexpected policy, time out of bounds, or a batch path that does not lead to the timestamped root.
 */
public class TimestampInvalidException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public TimestampInvalidException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public TimestampInvalidException(String message, Throwable cause) {
        super(message, cause);
    }
}
