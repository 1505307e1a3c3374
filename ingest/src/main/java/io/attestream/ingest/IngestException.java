package io.attestream.ingest;

/** Root of the ingest module's exceptions; the message names the event, agent or config key concerned. */
public class IngestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public IngestException(String message) {
        super(message);
    }

    public IngestException(String message, Throwable cause) {
        super(message, cause);
    }
}
