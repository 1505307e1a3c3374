package io.attestream.deploy.stack;

/**
 * Root exception of the local stack: a service that cannot be installed, started, probed or
 * stopped. The message names the service and, where a setting is at fault, the config key and the
 * command-line option that change it.
 */
public class StackException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the service and the key to change
     */
    public StackException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the service and the key to change
     * @param cause the underlying failure
     */
    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
