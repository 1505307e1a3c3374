package io.attestream.integrity;

/**
 * A signature made by a known key does not verify over the bytes it claims to sign.
 */
public class SignatureInvalidException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public SignatureInvalidException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public SignatureInvalidException(String message, Throwable cause) {
        super(message, cause);
    }
}
