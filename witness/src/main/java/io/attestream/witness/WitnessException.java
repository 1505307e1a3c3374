package io.attestream.witness;

/** Root of the witness module's exceptions: the witness cannot start, persist, or reach a witness. */
public class WitnessException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what failed, naming the file, origin or witness URL concerned
     */
    public WitnessException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what failed, naming the file, origin or witness URL concerned
     * @param cause the underlying failure
     */
    public WitnessException(String message, Throwable cause) {
        super(message, cause);
    }
}
