package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 15: the read-only auditor of the local stack's ClickHouse endpoint, attacked as a hostile
 * auditor would, on a real chdb-server. Every attempt must be refused and leave the data
 * directory, the tables and the files around it exactly as they were.
 * The write attempts run first, before the other tests leave background work (a pending
 * mutation, a dropped table) that could touch the data directory while they compare it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadOnlyAuditorIT {

    private static final String WRITER_PASSWORD = "wr1ter";
    private static final String AUDITOR_PASSWORD = "aud1t";

    @TempDir
    static Path dir;
    static ChdbServerProcess server;
    static Path dataDir;
    static Path canary;
    static Path victim;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startServer() throws Exception {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, ChdbUsers.of(
                new ChdbUsers.User("writer", ChdbUsers.sha256Hex(WRITER_PASSWORD), false),
                new ChdbUsers.User("auditor", ChdbUsers.sha256Hex(AUDITOR_PASSWORD), true)).toFileText());
        // A fresh data directory: DROP ... SYNC used to hang forever on one (issue 15).
        dataDir = dir.resolve("data");
        server = TestServers.start(dataDir, users, 64L << 20);
        canary = Files.createDirectories(dir.resolve("canary"));
        victim = Files.writeString(canary.resolve("victim.txt"), "original\n");
        for (String sql : List.of("CREATE TABLE audited (id UInt32, s String) ENGINE = MergeTree ORDER BY id",
                "INSERT INTO audited VALUES (1, 'one'), (2, 'two')")) {
            assertThat(writer(sql).statusCode()).as(sql).isEqualTo(200);
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            assertThat(server.stop(Duration.ofSeconds(20))).as("exit code after SIGTERM").isZero();
        }
    }

    /** One attack: how it is sent and which HTTP statuses count as refused. */
    record Attempt(String name, String method, String pathAndQuery, Map<String, String> headers, String body) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Attempt auditor(String sql) {
        return new Attempt(sql, "POST", "/", Map.of("Authorization", basic("auditor", AUDITOR_PASSWORD)), sql);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static Stream<Attempt> writeAttempts() {
        String v = victim.toString();
        String c = canary.resolve("created.txt").toString();
        Map<String, String> aud = Map.of("Authorization", basic("auditor", AUDITOR_PASSWORD));
        List<Attempt> a = new ArrayList<>(Stream.of(
                "INSERT INTO audited VALUES (3, 'three')",
                "INSERT INTO audited SELECT 4, 'four'",
                "ALTER TABLE audited DELETE WHERE 1",
                "ALTER TABLE audited UPDATE s = 'x' WHERE 1",
                "ALTER TABLE audited ADD COLUMN evil UInt8",
                "DELETE FROM audited WHERE 1",
                "TRUNCATE TABLE audited",
                "DROP TABLE audited",
                "DROP TABLE audited SYNC",
                "DETACH TABLE audited",
                "RENAME TABLE audited TO gone",
                "EXCHANGE TABLES audited AND audited",
                "CREATE TABLE evil (a UInt8) ENGINE = Memory",
                "CREATE TABLE evil ENGINE = File(TSV, '" + c + "') AS SELECT 1",
                "CREATE TEMPORARY TABLE evil (a UInt8)",
                "CREATE DATABASE evil",
                "CREATE VIEW evil AS SELECT 1",
                "CREATE DICTIONARY evil (id UInt64, v String) PRIMARY KEY id SOURCE(FILE(path '" + v
                        + "' format 'TSV')) LAYOUT(FLAT()) LIFETIME(0)",
                "CREATE FUNCTION evil AS x -> x",
                "CREATE USER evil",
                "OPTIMIZE TABLE audited FINAL",
                "SYSTEM STOP MERGES",
                "SYSTEM START MERGES",
                "SYSTEM STOP TTL MERGES",
                "SYSTEM STOP MOVES",
                "SYSTEM DROP MARK CACHE",
                "SYSTEM RELOAD CONFIG",
                "SYSTEM SHUTDOWN",
                "ALTER TABLE audited FREEZE",
                "ATTACH TABLE evil (a UInt8) ENGINE = Memory",
                "SET readonly = 0",
                "SET readonly = 2",
                "SELECT 1 SETTINGS readonly = 0",
                "INSERT INTO audited SETTINGS readonly = 0 VALUES (5, 'five')",
                "SELECT 1; INSERT INTO audited VALUES (6, 'six')",
                "SELECT 1 -- x\n; DROP TABLE audited",
                "SELECT 1 /* ; */ ; DROP TABLE audited",
                "/* SELECT */ INSERT INTO audited VALUES (7, 'seven')",
                "-- SELECT\nDROP TABLE audited",
                "SELECT * FROM file('" + v + "', 'LineAsString')",
                "SELECT file('" + v + "')",
                "INSERT INTO FUNCTION file('" + c + "', 'TSV', 'a UInt8') VALUES (1)",
                "SELECT * FROM url('http://127.0.0.1:9/', 'TSV', 'a String')",
                "INSERT INTO FUNCTION url('http://127.0.0.1:9/', 'TSV', 'a UInt8') VALUES (1)",
                "SELECT * FROM executable('touch " + c + "', 'TSV', 'a String')",
                "SELECT 'x' INTO OUTFILE '" + v + "' TRUNCATE FORMAT TSVRaw",
                "SELECT 'x' INTO OUTFILE '" + v + "' APPEND FORMAT TSVRaw",
                "SELECT 'x' INTO OUTFILE '" + v + "'",
                "SELECT 'x' INTO OUTFILE '" + c + "'",
                "SELECT 'x' INTO /* c */ OUTFILE '" + c + "' AND STDOUT",
                "SELECT 'x' INTO OUTFILE '" + c + ".gz' COMPRESSION 'gzip'",
                "EXPLAIN SELECT 1 INTO OUTFILE '" + c + "'",
                "SHOW TABLES INTO OUTFILE '" + c + "'",
                "BACKUP TABLE audited TO File('" + c + "')",
                "BACKUP TABLE audited TO Disk('default', 'backup')",
                "RESTORE TABLE audited FROM Disk('default', 'backup')",
                "KILL QUERY WHERE 1",
                "KILL QUERY WHERE 1 SYNC",
                "KILL MUTATION WHERE 1")
                .map(ReadOnlyAuditorIT::auditor).toList());
        // Body data after FORMAT (the front stages it to a file: it must not for the auditor).
        a.add(new Attempt("INSERT ... FORMAT TSV with data in the body", "POST",
                "/?query=" + enc("INSERT INTO audited FORMAT TSV"), aud, "8\teight\n"));
        // URL parameters are never settings.
        a.add(new Attempt("URL readonly=0 with INSERT", "POST", "/?readonly=0&allow_ddl=1", aud,
                "INSERT INTO audited VALUES (9, 'nine')"));
        a.add(new Attempt("URL readonly=0 with CREATE", "POST", "/?readonly=0", aud, "CREATE TABLE evil (a UInt8) ENGINE = Memory"));
        // GET is read-only for everybody, the writer included.
        a.add(new Attempt("GET INSERT as auditor", "GET", "/?query=" + enc("INSERT INTO audited VALUES (10, 'ten')"),
                aud, null));
        a.add(new Attempt("GET INSERT as writer", "GET", "/?query=" + enc("INSERT INTO audited VALUES (11, 'x')")
                + "&user=writer&password=" + WRITER_PASSWORD, Map.of(), null));
        a.add(new Attempt("GET DROP as writer", "GET", "/?query=" + enc("DROP TABLE audited") + "&user=writer&password="
                + WRITER_PASSWORD, Map.of(), null));
        a.add(new Attempt("GET INTO OUTFILE as writer", "GET", "/?query=" + enc("SELECT 1 INTO OUTFILE '" + c + "'")
                + "&user=writer&password=" + WRITER_PASSWORD, Map.of(), null));
        // The user cannot be switched by a second way of passing credentials.
        a.add(new Attempt("Basic auditor + X-ClickHouse-User writer", "POST", "/",
                Map.of("Authorization", basic("auditor", AUDITOR_PASSWORD), "X-ClickHouse-User", "writer"),
                "INSERT INTO audited VALUES (12, 'x')"));
        a.add(new Attempt("Basic auditor + URL user=writer", "POST", "/?user=writer", aud,
                "INSERT INTO audited VALUES (13, 'x')"));
        a.add(new Attempt("X-ClickHouse-User writer with the auditor's key", "POST", "/",
                Map.of("X-ClickHouse-User", "writer", "X-ClickHouse-Key", AUDITOR_PASSWORD),
                "INSERT INTO audited VALUES (14, 'x')"));
        a.add(new Attempt("header auditor + URL user=writer&password=auditor's", "POST", "/?user=writer&password="
                + AUDITOR_PASSWORD, Map.of("X-ClickHouse-User", "auditor"), "INSERT INTO audited VALUES (15, 'x')"));
        a.add(new Attempt("URL user=auditor, no password", "POST", "/?user=auditor", Map.of(),
                "INSERT INTO audited VALUES (16, 'x')"));
        return a.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("writeAttempts")
    void everyWriteAttemptOfTheAuditorIsRefusedAndChangesNothing(Attempt attempt) throws Exception {
        State before = State.capture();
        HttpResponse<String> r = send(attempt);
        // 4xx, or 500 where the engine refuses by configuration (BACKUP: backups.allowed_path unset).
        assertThat(r.statusCode()).as("%s answered %s", attempt, r.body()).isBetween(400, 500);
        assertThat(r.body()).startsWith("Code: ");
        State after = State.capture();
        assertThat(after.canaryFiles()).as("files next to the data").isEqualTo(before.canaryFiles());
        assertThat(after.tables()).as("tables, rows, mutations").isEqualTo(before.tables());
        assertThat(after.dataFiles()).as("data directory").isEqualTo(before.dataFiles());
        assertThat(auditorQuery("SELECT getSetting('readonly')").body().strip()).isEqualTo("1");
    }

    @Order(2)
    @Test
    void auditorCannotKillTheWritersMutation() throws Exception {
        for (String sql : List.of("CREATE TABLE stuck (k UInt32, x UInt32) ENGINE = MergeTree ORDER BY k",
                "INSERT INTO stuck VALUES (1, 1)")) {
            assertThat(writer(sql).statusCode()).as(sql).isEqualTo(200);
        }
        // Fails on every attempt, so the mutation stays pending; chdb waits for its first attempt
        // and answers UNFINISHED.
        HttpResponse<String> alter = writer("ALTER TABLE stuck UPDATE x = throwIf(x = 1, 'keep it pending') WHERE 1");
        assertThat(alter.statusCode() == 200 || alter.body().contains("UNFINISHED")).as(alter.body()).isTrue();
        String pending = "SELECT count() FROM system.mutations WHERE table = 'stuck' AND NOT is_done";
        assertThat(writer(pending).body().strip()).isEqualTo("1");
        for (String kill : List.of("KILL MUTATION WHERE table = 'stuck'", "KILL MUTATION WHERE 1 SYNC")) {
            HttpResponse<String> r = auditorQuery(kill);
            assertThat(r.statusCode()).as(kill).isEqualTo(403);
            assertThat(r.body()).contains("READONLY");
        }
        assertThat(writer(pending).body().strip()).as("the mutation is still there").isEqualTo("1");
        assertThat(writer("KILL MUTATION WHERE table = 'stuck'").statusCode()).isEqualTo(200);
        assertThat(writer(pending).body().strip()).isEqualTo("0");
    }

    @Order(2)
    @Test
    void intoOutfileAppendRunsExactlyOnce() throws Exception {
        Path out = dir.resolve("once.tsv");
        String append = "SELECT 'line' INTO OUTFILE '" + out + "' APPEND FORMAT TSVRaw";
        assertThat(writer(append).statusCode()).isEqualTo(200);
        assertThat(Files.readAllLines(out)).containsExactly("line");
        assertThat(writer(append).statusCode()).isEqualTo(200);
        assertThat(Files.readAllLines(out)).containsExactly("line", "line");
        // An empty result with a header: the header is written once, not once per run.
        assertThat(writer("SELECT number AS n FROM numbers(10) WHERE n > 100 INTO OUTFILE '" + out
                + "' APPEND FORMAT TSVWithNames").statusCode()).isEqualTo(200);
        assertThat(Files.readAllLines(out)).containsExactly("line", "line", "n");
        // Without APPEND or TRUNCATE an existing file is an error, and the file is untouched.
        HttpResponse<String> exists = writer("SELECT 'other' INTO OUTFILE '" + out + "' FORMAT TSVRaw");
        assertThat(exists.body()).contains("FILE_ALREADY_EXISTS");
        assertThat(Files.readAllLines(out)).containsExactly("line", "line", "n");
        Path fresh = dir.resolve("fresh.tsv");
        assertThat(writer("SELECT 'new' INTO OUTFILE '" + fresh + "' FORMAT TSVRaw").statusCode()).isEqualTo(200);
        assertThat(Files.readAllLines(fresh)).containsExactly("new");
        assertThat(writer("SELECT 'truncated' INTO OUTFILE '" + out + "' TRUNCATE FORMAT TSVRaw").statusCode())
                .isEqualTo(200);
        assertThat(Files.readAllLines(out)).containsExactly("truncated");
    }

    @Order(2)
    @Test
    void dropTableSyncAfterCreateAndInsertAnswersAndASecondClientIsServed() throws Exception {
        assertThat(writer("CREATE TABLE t_sync (x UInt32) ENGINE = MergeTree ORDER BY x").statusCode()).isEqualTo(200);
        assertThat(writer("INSERT INTO t_sync VALUES (1)").statusCode()).isEqualTo(200);
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> drop = CompletableFuture.supplyAsync(() -> {
            try {
                return writer("DROP TABLE t_sync SYNC");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        // A second client, while the DROP runs or right after it.
        HttpResponse<String> second = auditorQuery("SELECT 1");
        double secondSeconds = (System.nanoTime() - t0) / 1e9;
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body().strip()).isEqualTo("1");
        assertThat(secondSeconds).as("second client answered within 5 s").isLessThan(5.0);
        HttpResponse<String> dropped = drop.get(30, TimeUnit.SECONDS);
        assertThat(dropped.statusCode()).as(dropped.body()).isEqualTo(200);
        assertThat(writer("EXISTS TABLE t_sync").body().strip()).isEqualTo("0");
        assertThat(writer("SELECT 1").body().strip()).isEqualTo("1");
    }

    private static HttpResponse<String> send(Attempt a) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.endpoint() + a.pathAndQuery()))
                .timeout(Duration.ofSeconds(30));
        a.headers().forEach(b::header);
        b = "GET".equals(a.method()) ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(a.body()));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> writer(String sql) throws IOException, InterruptedException {
        return send(new Attempt(sql, "POST", "/", Map.of("Authorization", basic("writer", WRITER_PASSWORD)), sql));
    }

    static HttpResponse<String> auditorQuery(String sql) throws IOException, InterruptedException {
        return send(auditor(sql));
    }

    /** What a write would change: files around the data, table contents, the data directory. */
    record State(Map<String, String> canaryFiles, String tables, Map<String, String> dataFiles) {
        static State capture() throws IOException, InterruptedException {
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> s = Files.list(canary)) {
                for (Path p : s.toList()) {
                    files.put(p.getFileName().toString(), Files.readString(p));
                }
            }
            HttpResponse<String> tables = writer("SELECT database, name, engine, total_rows, "
                    + "(SELECT count() FROM system.mutations), (SELECT groupArray((id, s)) FROM default.audited) "
                    + "FROM system.tables WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') "
                    + "ORDER BY database, name");
            assertThat(tables.statusCode()).as(tables.body()).isEqualTo(200);
            Map<String, String> data = new TreeMap<>();
            Files.walkFileTree(dataDir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    data.put(dataDir.relativize(file).toString(), attrs.size() + "@" + attrs.lastModifiedTime());
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    data.put(dataDir.relativize(d) + "/", "dir");
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
            return new State(files, tables.body(), data);
        }
    }
}
