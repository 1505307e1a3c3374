package io.attestream.deploy.chdb;

/**
 * Root exception of the chdb-server module: installing the library, reading the users file,
 * starting or stopping the server. Messages name what is wrong and the option or key to change.
 */
public class ChdbServerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what to change. */
    public ChdbServerException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public ChdbServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
