package io.attestream.sealing;

/** Root of this module's exceptions: a field cannot be sealed or opened, or the key store failed. */
public class SealingException extends Exception {
    private static final long serialVersionUID = 1L;

    public SealingException(String message) {
        super(message);
    }

    public SealingException(String message, Throwable cause) {
        super(message, cause);
    }
}
