package io.attestream.integrity;

import java.time.Duration;
import java.util.Optional;

/**
 * A timestamp authority could not be reached or refused service (HTTP 429/503, I/O error).
 *
 * <p>This is back-pressure, not evidence of tampering: callers MUST keep the checkpoints of the
 * batch and retry the whole batch later (after {@link #retryAfter()} when the TSA gave one).
 * They MUST NOT drop the checkpoints or mark them as timestamped.
 */
public class TsaUnavailableException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    /**
     * Creates an exception.
     *
     * @param message what failed, naming the TSA URL
     * @param retryAfter how long the TSA asked to wait, or null when it did not say
     * @param cause the underlying failure, or null
     */
    public TsaUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /**
     * The delay the TSA asked for (HTTP Retry-After), if any.
     *
     * @return the delay, or empty
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
