package io.attestream.integrity;

/**
 * A signed note carries no signature from any key the verifier was given.
 */
public class UnknownKeyException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public UnknownKeyException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public UnknownKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
