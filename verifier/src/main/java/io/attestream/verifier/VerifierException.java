package io.attestream.verifier;

/**
 * Root of the verifier's own failures: the evidence cannot be read (database down, tables missing,
 * rows out of order) or a command's input is unusable. A verification <em>finding</em> is not an
 * exception; it is a {@link Finding} in the report.
 */
public class VerifierException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the table, agent or option involved
     */
    public VerifierException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the table, agent or option involved
     * @param cause the underlying failure
     */
    public VerifierException(String message, Throwable cause) {
        super(message, cause);
    }
}
