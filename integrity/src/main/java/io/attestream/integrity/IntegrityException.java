package io.attestream.integrity;

/**
 * Root of every failure raised by the integrity library: a chain link that does not recompute, a proof or
 * signature that does not verify, a malformed encoding, an unusable key or timestamp authority.
 *
 * <p>Unchecked, like Kafka's {@code StreamsException}: a verification failure must stop the caller unless it
 * catches the exception on purpose. The message names what failed and, where one exists, the log it belongs to.
 */
public class IntegrityException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context (log, seq, key name) to find it
     */
    public IntegrityException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context (log, seq, key name) to find it
     * @param cause   the underlying failure
     */
    public IntegrityException(String message, Throwable cause) {
        super(message, cause);
    }
}
