package io.attestream.sealing;

/**
 * The key store holds no key for this subject (never sealed, or already erased): nothing was changed.
 */
public final class UnknownSubjectException extends SealingException {
    private static final long serialVersionUID = 1L;

    public UnknownSubjectException(String message) {
        super(message);
    }
}
