package io.attestream.schemas.registry;

/**
 * Root of every failure talking to a Confluent-compatible schema registry. Carries the HTTP status and the
 * registry's {@code error_code} when the registry answered, so callers can tell "not found" from "down".
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** HTTP status of the registry's answer, or -1 when it did not answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent {@code error_code} (e.g. 40403 schema not found), or -1 when absent. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * The registry could not be reached or answered 5xx/408/429. Not a property of the data: callers MUST back off
     * and retry, and MUST NOT dead-letter a record because of it.
     */
    public static final class RegistryUnavailableException extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public RegistryUnavailableException(String message, int httpStatus, Throwable cause) {
            super(message, httpStatus, -1, cause);
        }
    }

    /** Subject, version or schema id does not exist (Confluent error codes 40401, 40402, 40403). */
    public static final class SchemaNotFoundException extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public SchemaNotFoundException(String message, int httpStatus, int errorCode) {
            super(message, httpStatus, errorCode, null);
        }
    }

    /** The registry refused a schema as incompatible with the subject's existing versions (HTTP 409). */
    public static final class IncompatibleSchemaException extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public IncompatibleSchemaException(String message, int httpStatus, int errorCode) {
            super(message, httpStatus, errorCode, null);
        }
    }

    /** The registry refused the schema or request as invalid (HTTP 422, error codes 42201 and up). */
    public static final class InvalidRequestException extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public InvalidRequestException(String message, int httpStatus, int errorCode) {
            super(message, httpStatus, errorCode, null);
        }
    }

    /** Credentials missing or refused (HTTP 401/403). Retrying will not help until the configuration changes. */
    public static final class RegistryAuthException extends SchemaRegistryException {
        private static final long serialVersionUID = 1L;

        public RegistryAuthException(String message, int httpStatus) {
            super(message, httpStatus, -1, null);
        }
    }
}
