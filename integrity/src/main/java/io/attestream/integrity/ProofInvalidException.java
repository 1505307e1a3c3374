package io.attestream.integrity;

/**
 * A Merkle inclusion or consistency proof does not verify against the given root(s), or its shape is impossible for the given sizes.
 */
public class ProofInvalidException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, with enough context to find it
     */
    public ProofInvalidException(String message) {
        super(message);
    }

    /**
     * @param message what failed, with enough context to find it
     * @param cause   the underlying failure
     */
    public ProofInvalidException(String message, Throwable cause) {
        super(message, cause);
    }
}
