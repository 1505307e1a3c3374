package io.attestream.integrity;

/**
 * A key cannot be generated, read, parsed or written (file missing, wrong PEM type, not Ed25519, unsafe permissions, file exists).
 */
public class KeyException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public KeyException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public KeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
