package io.attestream.sink.testing;

import io.attestream.deploy.chdb.ChdbLibrary;
import io.attestream.deploy.chdb.ChdbServerConfig;
import io.attestream.deploy.chdb.ChdbServerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/** A ClickHouse server (chdb-server) the test owns, so it can stop and restart it on the same port and data. */
public final class ClickHouse implements AutoCloseable {
    private final Path dataDir;
    private final int port;
    private ChdbServerProcess process;

    public ClickHouse(Path dir) throws IOException {
        this.dataDir = dir.resolve("chdb-data");
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        start();
    }

    /** Starts the server (again) on the same port and data directory. */
    public void start() {
        Path lib = ChdbLibrary.ensureInstalled(ChdbLibrary.defaultCacheDir(), line -> System.out.println("[chdb] " + line));
        ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", port, dataDir, null, lib,
                ChdbServerConfig.DEFAULT_MAX_BODY_BYTES);
        process = ChdbServerProcess.start(config, dataDir.resolveSibling("chdb.log"), Duration.ofSeconds(180));
    }

    /** SIGTERM, wait. */
    public void stop() {
        process.stop(Duration.ofSeconds(30));
    }

    public String jdbcUrl() {
        return "jdbc:clickhouse://127.0.0.1:" + port;
    }

    public Connection connect(String user) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", "");
        return DriverManager.getConnection(jdbcUrl() + "/default?compress=false", p);
    }

    /** Rows of a query as tab-separated strings. */
    public List<String> rows(String sql) throws SQLException {
        return new Sql(jdbcUrl() + "/default?compress=false", "default", "").rows(sql);
    }

    /** One long from a query. */
    public long scalar(String sql) throws SQLException {
        return Long.parseLong(rows(sql).get(0));
    }

    @Override
    public void close() {
        if (process != null) {
            stop();
        }
    }
}
