package io.attestream.deploy.chdb.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query the engine (or the front, on its behalf) refused, with its ClickHouse error code.
 * {@link #getMessage()} is always in ClickHouse's form {@code Code: N. DB::Exception: ...}.
 */
public final class ChdbQueryException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final Pattern CODE = Pattern.compile("^\\s*Code:\\s*(\\d+)\\.");

    /** ClickHouse error codes the front raises itself. */
    public static final int UNKNOWN_EXCEPTION = 1001;
    public static final int BAD_ARGUMENTS = 36;
    public static final int SYNTAX_ERROR = 62;
    public static final int UNKNOWN_DATABASE = 81;
    public static final int READONLY = 164;
    public static final int CANNOT_DECOMPRESS = 271;
    public static final int AUTHENTICATION_FAILED = 516;
    public static final int UNKNOWN_FORMAT = 73;
    public static final int TIMEOUT_EXCEEDED = 159;
    /** All engine sessions busy for longer than the wait limit: HTTP 503, the statement did not run. */
    public static final int ENGINE_BUSY = 202;
    public static final int QUERY_WAS_CANCELLED = 394;

    private final int code;

    private ChdbQueryException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** Builds the exception from the front's own code and text (the prefix is added here). */
    public static ChdbQueryException of(int code, String text) {
        return new ChdbQueryException(code, "Code: " + code + ". DB::Exception: " + text);
    }

    /** Wraps an error string returned by chdb, which already carries {@code Code: N.}. */
    public static ChdbQueryException fromEngine(String engineMessage) {
        String msg = engineMessage == null || engineMessage.isBlank() ? "unknown engine error" : engineMessage.strip();
        Matcher m = CODE.matcher(msg);
        if (m.find()) {
            try {
                return new ChdbQueryException(Integer.parseInt(m.group(1)), msg);
            } catch (NumberFormatException e) {
                // fall through: a code too large for int is not a code
            }
        }
        return of(UNKNOWN_EXCEPTION, msg);
    }

    /** The ClickHouse error code. */
    public int code() {
        return code;
    }

    /** HTTP status ClickHouse's own HTTP handler uses for this code. */
    public int httpStatus() {
        switch (code) {
            case AUTHENTICATION_FAILED:
            case 192: // UNKNOWN_USER
            case 193: // WRONG_PASSWORD
            case 194: // REQUIRED_PASSWORD
                return 401;
            case READONLY:
            case 497: // ACCESS_DENIED
            case 446: // FUNCTION_NOT_ALLOWED
                return 403;
            case 46: // UNKNOWN_FUNCTION
            case 50: // UNKNOWN_TYPE
            case 56: // UNKNOWN_STORAGE
            case 60: // UNKNOWN_TABLE
            case UNKNOWN_DATABASE:
            case 107: // FILE_DOESNT_EXIST
                return 404;
            case TIMEOUT_EXCEEDED:
                return 408;
            case ENGINE_BUSY: // TOO_MANY_SIMULTANEOUS_QUERIES
                return 503;
            case 48: // NOT_IMPLEMENTED
                return 501;
            case 6: case 16: case 26: case 27: case 32: case 33: case 38: case 41: case 43: case 44: case 47:
            case 53: case 57: case 69: case 70: case 72: case UNKNOWN_FORMAT: case 115: case 117: case 130:
            case BAD_ARGUMENTS: case SYNTAX_ERROR: case CANNOT_DECOMPRESS: case 167: case 168: case 386:
                return 400;
            default:
                return 500;
        }
    }
}
