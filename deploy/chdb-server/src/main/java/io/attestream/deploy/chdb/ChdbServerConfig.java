package io.attestream.deploy.chdb;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

import io.attestream.deploy.chdb.internal.ChdbEngine;

/**
 * Everything one chdb-server needs. Field names match the command-line options of
 * {@link ChdbServerMain} ({@code --host}, {@code --port}, ...), which error messages name.
 *
 * @param host         address to bind; 127.0.0.1 keeps the engine private to the machine
 * @param port         TCP port; 0 picks a free one (reported in the ready line)
 * @param dataDir      chdb data directory (created if missing); data persists across restarts
 * @param usersFile    users file (see {@link ChdbUsers}), or null for {@link ChdbUsers#defaults()}
 * @param lib          path of libchdb.so ({@link ChdbLibrary#ensureInstalled})
 * @param maxBodyBytes largest request body accepted; larger ones get HTTP 413
 * @param maxExecutionTime longest a statement may run ({@code --max-execution-time}, seconds);
 *                     past it the client gets TIMEOUT_EXCEEDED (code 159)
 * @param engineWait   longest a request waits for a free engine session ({@code --engine-wait},
 *                     seconds); past it HTTP 503 with Retry-After, the statement not run
 * @param sessions     engine sessions per kind of user, full and read-only ({@code --sessions})
 */
public record ChdbServerConfig(String host, int port, Path dataDir, Path usersFile, Path lib, long maxBodyBytes,
                               Duration maxExecutionTime, Duration engineWait, int sessions) {

    /** Default port, ClickHouse's HTTP port. */
    public static final int DEFAULT_PORT = 8123;
    /** Default body limit: 1 GiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1L << 30;

    /** Validates every field; messages name the option to change. */
    public ChdbServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(lib, "lib");
        if (host.isBlank()) {
            throw new ChdbServerException("--host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new ChdbServerException("--port must be between 0 and 65535, got " + port);
        }
        if (maxBodyBytes < 1024) {
            throw new ChdbServerException("--max-body-bytes must be at least 1024, got " + maxBodyBytes);
        }
        try {
            new ChdbEngine.Limits(maxExecutionTime, engineWait, sessions);
        } catch (IllegalArgumentException e) {
            throw new ChdbServerException(e.getMessage(), e);
        }
    }

    /** A config with the default time limit, engine wait and sessions ({@link ChdbEngine.Limits#DEFAULTS}). */
    public ChdbServerConfig(String host, int port, Path dataDir, Path usersFile, Path lib, long maxBodyBytes) {
        this(host, port, dataDir, usersFile, lib, maxBodyBytes, ChdbEngine.Limits.DEFAULTS.maxExecutionTime(),
                ChdbEngine.Limits.DEFAULTS.engineWait(), ChdbEngine.Limits.DEFAULTS.sessions());
    }

    /** The engine limits of this config (for {@link ChdbServerMain}). */
    ChdbEngine.Limits limits() {
        return new ChdbEngine.Limits(maxExecutionTime, engineWait, sessions);
    }

    /** Copy with another time limit, engine wait and session count. */
    public ChdbServerConfig withLimits(Duration newMaxExecutionTime, Duration newEngineWait, int newSessions) {
        return new ChdbServerConfig(host, port, dataDir, usersFile, lib, maxBodyBytes, newMaxExecutionTime,
                newEngineWait, newSessions);
    }

    /** A config on 127.0.0.1 with default port, users and body limit. */
    public static ChdbServerConfig of(Path dataDir, Path lib) {
        return new ChdbServerConfig("127.0.0.1", DEFAULT_PORT, dataDir, null, lib, DEFAULT_MAX_BODY_BYTES);
    }

    /** Copy with another port. */
    public ChdbServerConfig withPort(int newPort) {
        return new ChdbServerConfig(host, newPort, dataDir, usersFile, lib, maxBodyBytes, maxExecutionTime, engineWait,
                sessions);
    }

    /** Copy with another users file. */
    public ChdbServerConfig withUsersFile(Path newUsersFile) {
        return new ChdbServerConfig(host, port, dataDir, newUsersFile, lib, maxBodyBytes, maxExecutionTime, engineWait,
                sessions);
    }

    /** Copy with another body limit. */
    public ChdbServerConfig withMaxBodyBytes(long newMaxBodyBytes) {
        return new ChdbServerConfig(host, port, dataDir, usersFile, lib, newMaxBodyBytes, maxExecutionTime,
                engineWait, sessions);
    }

    /** The users this config names. */
    public ChdbUsers users() {
        return usersFile == null ? ChdbUsers.defaults() : ChdbUsers.load(usersFile);
    }
}
