package io.attestream.witness;

/**
 * A witness cannot be reached or did not answer in time. Callers keep the checkpoint and retry with
 * back-off; nothing was cosigned.
 */
public class WitnessUnavailableException extends WitnessException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message which witness, which URL
     * @param cause the I/O failure
     */
    public WitnessUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
