package io.attestream.deploy.chdb;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/** Starts real chdb-server processes for integration tests, the way every caller does. */
final class TestServers {

    private TestServers() {
    }

    static Path lib() {
        return ChdbLibrary.ensureInstalled(ChdbLibrary.defaultCacheDir(), line -> System.out.println("[chdb] " + line));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static ChdbServerProcess start(Path dataDir, Path usersFile, long maxBodyBytes) throws IOException {
        ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", freePort(), dataDir, usersFile, lib(),
                maxBodyBytes);
        return ChdbServerProcess.start(config, dataDir.resolveSibling(dataDir.getFileName() + ".log"),
                Duration.ofSeconds(120));
    }

    /** A server on a free port with the given time limit (s), engine wait (s) and sessions per kind. */
    static ChdbServerProcess start(Path dataDir, Path usersFile, long maxExecutionSeconds, long engineWaitSeconds,
                                   int sessions) throws IOException {
        ChdbServerConfig config = new ChdbServerConfig("127.0.0.1", freePort(), dataDir, usersFile, lib(),
                ChdbServerConfig.DEFAULT_MAX_BODY_BYTES, Duration.ofSeconds(maxExecutionSeconds),
                Duration.ofSeconds(engineWaitSeconds), sessions);
        return ChdbServerProcess.start(config, dataDir.resolveSibling(dataDir.getFileName() + ".log"),
                Duration.ofSeconds(120));
    }

    static Connection jdbc(ChdbServerProcess server, String user, String password, String options)
            throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        String url = "jdbc:clickhouse://127.0.0.1:" + server.port() + "/default" + (options.isEmpty() ? "" : "?" + options);
        return DriverManager.getConnection(url, p);
    }

    static HttpResponse<String> http(ChdbServerProcess server, String method, String pathAndQuery, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.endpoint() + pathAndQuery))
                .timeout(Duration.ofSeconds(60));
        b = "GET".equals(method) ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
