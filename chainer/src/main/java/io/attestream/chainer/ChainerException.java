package io.attestream.chainer;

import static java.util.Objects.requireNonNull;

/**
 * Root of the chainer's errors; the message always says where (topic, partition, offset, agent when known). Thrown
 * out of a processor it aborts the current transaction: nothing of the failed batch is visible downstream.
 */
public class ChainerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened and where
     * @param cause   the underlying error, or null
     */
    public ChainerException(String message, Throwable cause) {
        super(requireNonNull(message, "message"), cause);
    }

    /**
     * The schema registry could not be reached for longer than {@code chainer.registry.max.block.ms}. Back-pressure,
     * not bad data: the stream thread is replaced after a backoff and the record is retried from the last commit.
     * It MUST NOT lead to a dead-lettered record.
     */
    public static final class RegistryUnavailableException extends ChainerException {
        private static final long serialVersionUID = 1L;

        /**
         * @param message where
         * @param cause   the registry client's error
         */
        public RegistryUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A record was refused for a reason whose failure mode is {@code fail}. */
    public static final class RefusedRecordException extends ChainerException {
        private static final long serialVersionUID = 1L;
        private final DeadLetterReason reason;

        /**
         * @param reason why
         * @param message where
         * @param cause the decoding error, or null
         */
        public RefusedRecordException(DeadLetterReason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = requireNonNull(reason, "reason");
        }

        /** @return why the record was refused */
        public DeadLetterReason reason() {
            return reason;
        }
    }

    /** The TSA stayed unavailable longer than {@code chainer.tsa.max.wait.ms} with {@code chainer.tsa.unavailable.mode=fail}. */
    public static final class TimestampingFailedException extends ChainerException {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what was pending and for how long
         * @param cause   the TSA error
         */
        public TimestampingFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
