package io.attestream.verifier.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the evidence is: ClickHouse JDBC URL, user, password, table names (a picocli mixin). */
public final class ConnectionOptions {
    /** Environment variable holding the ClickHouse password when no --password-file is given. */
    public static final String PASSWORD_ENV = "ATTESTREAM_CLICKHOUSE_PASSWORD";

    @Option(names = "--jdbc-url", required = true, paramLabel = "URL",
            description = "ClickHouse JDBC URL naming the evidence database, e.g."
                    + " jdbc:clickhouse:http://127.0.0.1:8123/attestream (what `attestream stack up` prints and"
                    + " writes to endpoints.properties)")
    private String jdbcUrl;

    @Option(names = "--user", defaultValue = "auditor", paramLabel = "USER",
            description = "ClickHouse user; read-only is enough (default: ${DEFAULT-VALUE}).")
    private String user;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "File holding the password; default: $" + PASSWORD_ENV + ", else 'auditor' for the "
                    + "auditor user and empty for others.")
    private Path passwordFile;

    @Option(names = "--events-table", defaultValue = "chained_events", paramLabel = "TABLE",
            description = "Chained events table (default: ${DEFAULT-VALUE}).")
    private String eventsTable;

    @Option(names = "--checkpoints-table", defaultValue = "checkpoints", paramLabel = "TABLE",
            description = "Checkpoints table (default: ${DEFAULT-VALUE}).")
    private String checkpointsTable;

    @Option(names = "--schemas-table", defaultValue = "registry_schemas", paramLabel = "TABLE",
            description = "Schemas table whose schema_text re-derives fingerprints; 'none' to use the stored "
                    + "fingerprints (default: ${DEFAULT-VALUE}).")
    private String schemasTable;

    /**
     * Connects.
     *
     * @param env the environment
     * @return the reader
     */
    public EvidenceReader connect(Map<String, String> env) {
        return EvidenceReader.connect(jdbcUrl, user, password(env), tables());
    }

    /**
     * The table names.
     *
     * @return tables
     * @throws IllegalArgumentException naming the option of a malformed name
     */
    public EvidenceReader.Tables tables() {
        return new EvidenceReader.Tables(eventsTable, checkpointsTable,
                "none".equals(schemasTable) ? null : schemasTable);
    }

    private String password(Map<String, String> env) {
        if (passwordFile != null) {
            try {
                return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--password-file " + passwordFile + ": cannot read: " + e, e);
            }
        }
        String fromEnv = env.get(PASSWORD_ENV);
        if (fromEnv != null) {
            return fromEnv;
        }
        return "auditor".equals(user) ? "auditor" : "";
    }
}
