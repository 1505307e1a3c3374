package io.attestream.integrity;

/**
 * Bytes or text that should follow one of the documented formats (docs/integrity.md) do not.
 */
public class MalformedDataException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what is wrong, naming the log, index or key concerned
     */
    public MalformedDataException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param message what is wrong, naming the log, index or key concerned
     * @param cause the underlying failure
     */
    public MalformedDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
