package io.attestream.integrity;

/**
 * A chain entry does not link to its predecessor, has a seq gap, or its hash does not recompute from its bytes.
 */
public class ChainBrokenException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public ChainBrokenException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public ChainBrokenException(String message, Throwable cause) {
        super(message, cause);
    }
}
