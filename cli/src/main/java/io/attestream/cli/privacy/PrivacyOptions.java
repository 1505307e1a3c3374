package io.attestream.cli.privacy;

import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.sealing.FileKeyStore;
import io.attestream.sealing.LocalMasterKey;
import io.attestream.sealing.SealingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Option;

/** Options shared by erase and export: the key store, and where the evidence is (defaults: the local stack). */
final class PrivacyOptions {
    @Option(names = "--keystore", paramLabel = "DIR", description = "File key store of the subjects' data keys.")
    Path keystore;

    @Option(names = "--master-key", paramLabel = "FILE", description = "Master key file wrapping the key store's"
            + " keys (attestream keystore init creates one).")
    Path masterKey;

    @Option(names = "--jdbc-url", description = "ClickHouse JDBC URL (default: from the local stack's endpoints file).")
    String jdbcUrl;

    @Option(names = "--user", description = "ClickHouse user (default: the stack's read-only auditor).")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the user's password.")
    Path passwordFile;

    @Option(names = "--database", defaultValue = "attestream", description = "ClickHouse database (default"
            + " ${DEFAULT-VALUE}).")
    String database;

    @Option(names = "--stack-dir", description = "Local stack directory whose endpoints file gives the defaults"
            + " (default ${DEFAULT-VALUE}).")
    Path stackDir = StackConfig.DEFAULT_STACK_DIR;

    Optional<StackEndpoints> stack() {
        Path file = stackDir.resolve(StackEndpoints.FILE_NAME);
        return Files.exists(file) ? Optional.of(StackEndpoints.load(file)) : Optional.empty();
    }

    /** The key store; both options are needed together. */
    Optional<FileKeyStore> keyStore() throws SealingException {
        if (keystore == null && masterKey == null) {
            return Optional.empty();
        }
        if (keystore == null || masterKey == null) {
            throw new IllegalArgumentException("--keystore and --master-key go together");
        }
        if (!Files.isDirectory(keystore)) {
            throw new IllegalArgumentException("--keystore " + keystore + " is not a directory");
        }
        return Optional.of(new FileKeyStore(keystore, LocalMasterKey.read(masterKey), Duration.ZERO));
    }

    Connection connect() throws SQLException, IOException {
        Optional<StackEndpoints> stack = stack();
        String url = jdbcUrl != null ? jdbcUrl : stack.map(StackEndpoints::clickHouseJdbcUrl).orElseThrow(() ->
                new IllegalArgumentException("--jdbc-url is required when no local stack endpoints file exists in "
                        + stackDir));
        String u = user != null ? user : stack.map(StackEndpoints::auditorUser).orElse("auditor");
        String password = passwordFile != null ? Files.readString(passwordFile).strip()
                : user == null ? stack.map(StackEndpoints::auditorPassword).orElse("auditor") : "";
        Properties props = new Properties();
        props.setProperty("user", u);
        props.setProperty("password", password);
        try {
            return DriverManager.getConnection(url, props);
        } catch (SQLException e) {
            throw new SQLException("cannot connect to ClickHouse at " + url + " as " + u + ": " + e.getMessage(), e);
        }
    }
}
