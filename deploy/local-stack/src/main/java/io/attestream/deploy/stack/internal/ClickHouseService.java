package io.attestream.deploy.stack.internal;

import io.attestream.deploy.chdb.ChdbLibrary;
import io.attestream.deploy.chdb.ChdbServerConfig;
import io.attestream.deploy.chdb.ChdbServerException;
import io.attestream.deploy.chdb.ChdbServerMain;
import io.attestream.deploy.chdb.ChdbServerProcess;
import io.attestream.deploy.chdb.ChdbUsers;
import io.attestream.deploy.stack.StackConfig;
import io.attestream.deploy.stack.StackEndpoints;
import io.attestream.deploy.stack.StackException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ClickHouse HTTP front over libchdb ({@code attestream-chdb-server}), launched the way
 * {@link ChdbServerProcess#javaProcess} builds it (libjsig preloaded, UTC, small heap) but as a
 * daemon of the stack directory. Its users file is written on first start: {@code default}
 * (read-write) and {@code auditor} (read-only) with the configured passwords, stored as SHA-256.
 */
public final class ClickHouseService extends Service {
    /** Name of the read-write user. */
    public static final String DEFAULT_USER = "default";
    /** Name of the read-only user. */
    public static final String AUDITOR_USER = "auditor";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Path lib;

    /** @param config the stack settings */
    public ClickHouseService(StackConfig config) {
        super(config, "clickhouse");
    }

    @Override
    public List<Port> ports() {
        return List.of(new Port(config.clickHousePort(), StackConfig.CLICKHOUSE_PORT_CONFIG));
    }

    @Override
    public void install(Consumer<String> progress) {
        try {
            lib = ChdbLibrary.ensureInstalled(config.cacheDir(), progress);
        } catch (ChdbServerException e) {
            throw new StackException("cannot install libchdb into " + config.cacheDir() + ": " + e.getMessage()
                    + " (cache directory: key " + StackConfig.CACHE_DIR_CONFIG + ", option --cache-dir)", e);
        }
    }

    /** @return the users file */
    public Path usersFile() {
        return dir().resolve("users.properties");
    }

    @Override
    public List<String> prepare(Consumer<String> progress) {
        if (lib == null) {
            install(progress);
        }
        createDir();
        writeOrCheckUsers(progress);
        List<String> args = List.of(
                "--host", "127.0.0.1",
                "--port", Integer.toString(config.clickHousePort()),
                "--data-dir", dir().resolve("data").toString(),
                "--users-file", usersFile().toString(),
                "--lib", lib.toString(),
                "--max-body-bytes", Long.toString(ChdbServerConfig.DEFAULT_MAX_BODY_BYTES));
        List<String> cmd = new ArrayList<>(ChdbServerProcess.javaProcess(ChdbServerMain.class.getName(), args,
                ChdbServerProcess.DEFAULT_HEAP).command());
        // Same launch, but the classpath goes through an argument file flattened from manifest-only
        // jars: test JVMs' booter jars vanish when they exit, this server must not.
        int cp = cmd.indexOf("-cp");
        if (cp >= 0 && cp + 1 < cmd.size()) {
            cmd.remove(cp + 1);
            cmd.set(cp, ChildClasspath.argFile(dir().resolve("classpath.args")));
        }
        return cmd;
    }

    @Override
    public Map<String, String> environment() {
        String preload = ChdbServerProcess.javaProcess(ChdbServerMain.class.getName(), List.of(),
                ChdbServerProcess.DEFAULT_HEAP).environment().get("LD_PRELOAD");
        return preload == null ? Map.of() : Map.of("LD_PRELOAD", preload);
    }

    private void writeOrCheckUsers(Consumer<String> progress) {
        Path file = usersFile();
        try {
            if (!Files.exists(file)) {
                ChdbUsers users = ChdbUsers.of(
                        new ChdbUsers.User(DEFAULT_USER, ChdbUsers.sha256Hex(config.clickHouseDefaultPassword()), false),
                        new ChdbUsers.User(AUDITOR_USER, ChdbUsers.sha256Hex(config.clickHouseAuditorPassword()), true));
                Files.writeString(file, users.toFileText(), StandardCharsets.UTF_8);
                progress.accept("wrote ClickHouse users file " + file + " (default: read-write, auditor: read-only)");
                return;
            }
            ChdbUsers users = ChdbUsers.load(file);
            check(users, file, DEFAULT_USER, config.clickHouseDefaultPassword(),
                    StackConfig.CLICKHOUSE_DEFAULT_PASSWORD_CONFIG);
            check(users, file, AUDITOR_USER, config.clickHouseAuditorPassword(),
                    StackConfig.CLICKHOUSE_AUDITOR_PASSWORD_CONFIG);
        } catch (IOException e) {
            throw new StackException("cannot write ClickHouse users file " + file + ": " + e.getMessage(), e);
        } catch (ChdbServerException e) {
            throw new StackException("bad ClickHouse users file: " + e.getMessage(), e);
        }
    }

    private static void check(ChdbUsers users, Path file, String user, String password, String key) {
        if (users.authenticate(user, password).isEmpty()) {
            throw new StackException("ClickHouse users file " + file + " has no user '" + user
                    + "' with the configured password: pass the password the file was written with ("
                    + key + ", option " + StackConfig.optionFor(key) + "), or delete the file to rewrite it");
        }
    }

    @Override
    public void awaitReady(ProcessHandle process, Instant deadline) {
        String problem = "port " + config.clickHousePort() + " not open";
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (DEFAULT_USER + ":" + config.clickHouseDefaultPassword()).getBytes(StandardCharsets.UTF_8));
        while (true) {
            checkStillStarting(process, deadline, problem);
            if (Ports.answers(config.clickHousePort())) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/?query=SELECT%201"))
                            .header("Authorization", auth).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().strip().equals("1")) {
                        return;
                    }
                    problem = "SELECT 1 answered HTTP " + r.statusCode() + ": " + r.body().strip();
                } catch (IOException e) {
                    problem = "SELECT 1: " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StackException("interrupted while waiting for clickhouse", e);
                }
            }
            pause();
        }
    }

    /**
     * Creates the evidence database, so the JDBC URL the stack prints (which names it) works before the evidence
     * sink first ran: a connection to a database that does not exist fails with UNKNOWN_DATABASE.
     */
    @Override
    public void afterReady() {
        String auth = "Basic " + Base64.getEncoder().encodeToString(
                (DEFAULT_USER + ":" + config.clickHouseDefaultPassword()).getBytes(StandardCharsets.UTF_8));
        String sql = "CREATE DATABASE IF NOT EXISTS " + StackEndpoints.EVIDENCE_DATABASE;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/"))
                    .header("Authorization", auth).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new StackException("ClickHouse refused '" + sql + "': HTTP " + r.statusCode() + ": "
                        + r.body().strip());
            }
        } catch (IOException e) {
            throw new StackException("ClickHouse: '" + sql + "' failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating the evidence database", e);
        }
    }

    private String url() {
        return "http://127.0.0.1:" + config.clickHousePort();
    }

    @Override
    public String endpoint() {
        return url() + " (libchdb " + ChdbLibrary.VERSION + ")";
    }
}
