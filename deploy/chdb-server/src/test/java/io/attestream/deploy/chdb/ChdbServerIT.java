package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real server process, driven by the unmodified clickhouse-jdbc 0.10.0 driver and raw HTTP. */
class ChdbServerIT {

    private static final long MAX_BODY = 64L << 20;
    private static final String WRITER_PASSWORD = "wr1ter";
    private static final String AUDITOR_PASSWORD = "aud1t";

    @TempDir
    static Path dir;
    static ChdbServerProcess server;

    @BeforeAll
    static void startServer() throws IOException {
        Path users = dir.resolve("users.properties");
        Files.writeString(users, ChdbUsers.of(
                new ChdbUsers.User("default", ChdbUsers.sha256Hex(""), false),
                new ChdbUsers.User("writer", ChdbUsers.sha256Hex(WRITER_PASSWORD), false),
                new ChdbUsers.User("auditor", ChdbUsers.sha256Hex(AUDITOR_PASSWORD), true)).toFileText());
        server = TestServers.start(dir.resolve("data"), users, MAX_BODY);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            assertThat(server.stop(Duration.ofSeconds(20))).as("exit code after SIGTERM").isZero();
        }
    }

    private static Connection writer(String options) throws SQLException {
        return TestServers.jdbc(server, "writer", WRITER_PASSWORD, options);
    }

    private static String fixed(int i) {
        // Every 7th value is shorter than the column: ClickHouse pads FixedString with NULs.
        return i % 7 == 0 ? "f" + (i % 10) : String.format("%08d", i % 100_000_000);
    }

    private static String expectedFixed(int i) {
        String v = fixed(i);
        return v + "\0".repeat(8 - v.length());
    }

    private static Timestamp ts(int i) {
        return Timestamp.from(Instant.ofEpochSecond(1_700_000_000L + i, (i % 1_000_000) * 1_000L));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"compress=false", "compress=true",
        "compress=true&decompress=true&beta.row_binary_for_simple_insert=true"})
    void preparedStatementBatchOf100kRowsReadsBackEqual(String options) throws SQLException {
        int rows = 100_000;
        String table = "batch_" + Integer.toHexString(options.hashCode() & 0xFFFFFF);
        try (Connection c = writer(options); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id UInt64, s String, ts DateTime64(6, 'UTC'), fx FixedString(8),"
                    + " n Nullable(String), lc LowCardinality(String)) ENGINE = MergeTree ORDER BY id");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setLong(1, i);
                    ps.setString(2, "row " + i + (i % 1000 == 0 ? " 'quoted' \\ back\tslash\n\nblank" : ""));
                    ps.setTimestamp(3, ts(i));
                    ps.setString(4, fixed(i));
                    if (i % 3 == 0) {
                        ps.setNull(5, java.sql.Types.VARCHAR);
                    } else {
                        ps.setString(5, "n" + i);
                    }
                    ps.setString(6, "agent-" + (i % 5));
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                assertThat(counts).hasSize(rows);
                assertThat(counts).containsOnly(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT id, s, ts, fx, n, lc FROM " + table + " ORDER BY id")) {
                int i = 0;
                while (rs.next()) {
                    assertThat(rs.getLong(1)).isEqualTo(i);
                    assertThat(rs.getString(2))
                            .isEqualTo("row " + i + (i % 1000 == 0 ? " 'quoted' \\ back\tslash\n\nblank" : ""));
                    assertThat(rs.getTimestamp(3).toInstant()).as("ts of row %d", i).isEqualTo(ts(i).toInstant());
                    assertThat(rs.getString(4)).isEqualTo(expectedFixed(i));
                    assertThat(rs.getString(5)).isEqualTo(i % 3 == 0 ? null : "n" + i);
                    assertThat(rs.getString(6)).isEqualTo("agent-" + (i % 5));
                    i++;
                }
                assertThat(i).isEqualTo(rows);
            }
        }
    }

    @Test
    void syntaxErrorArrivesAsSqlExceptionWithCode62() throws SQLException {
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            SQLException e = catchThrowableOfType(SQLException.class, () -> st.executeQuery("SELECT 1 +"));
            assertThat(e.getErrorCode()).isEqualTo(62);
            assertThat(e.getMessage()).contains("Syntax error");
            try (ResultSet rs = st.executeQuery("SELECT 41 + 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("no output of the failed query leaks into the next").isEqualTo(42);
            }
        }
    }

    @Test
    void errorWhileAStreamedResultIsProducedStillGetsAnErrorStatus() throws Exception {
        HttpResponse<String> r = TestServers.http(server, "GET", "/?query=" + URLEncoder.encode(
                "SELECT number, throwIf(number = 700000) FROM numbers(1000000)", StandardCharsets.UTF_8), null);
        assertThat(r.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(r.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("395");
        assertThat(r.body()).startsWith("Code: 395.");
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+7", null).body()).isEqualTo("7\n");
    }

    @Test
    void emptyResultOfAFilteredMergeTreeReadIsAnEmptyResultNotAnError() throws SQLException {
        // chdb's stream API answers this with "No active streaming query" instead of an empty chunk.
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS empty_filtered (k String, v UInt64) ENGINE = MergeTree ORDER BY k");
            st.execute("INSERT INTO empty_filtered VALUES ('a', 1)");
            try (ResultSet rs = st.executeQuery("SELECT k, v FROM empty_filtered WHERE k = 'nope'")) {
                assertThat(rs.getMetaData().getColumnCount()).isEqualTo(2);
                assertThat(rs.next()).isFalse();
            }
            try (ResultSet rs = st.executeQuery("SELECT k, v FROM empty_filtered WHERE k = 'a'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(2)).isEqualTo(1);
            }
        }
    }

    @Test
    void unknownTableIsCode60WithHttp404() throws Exception {
        HttpResponse<String> r = TestServers.http(server, "GET", "/?query=SELECT+*+FROM+no_such_table", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("60");
        assertThat(r.body()).startsWith("Code: 60. DB::Exception:");
    }

    @Test
    void rowBinaryBodyWithNewlinePairsIsStoredIntact() throws Exception {
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS rb (id UInt64, s String) ENGINE = MergeTree ORDER BY id");
            st.execute("TRUNCATE TABLE rb");
        }
        String tricky = "a\n\nSELECT 1; DROP TABLE rb\n\n\n";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer id = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0A0A0A0A0A0A0A0AL);
        body.write(id.array());
        byte[] s = tricky.getBytes(StandardCharsets.UTF_8);
        body.write(s.length);
        body.write(s);
        ByteBuffer id2 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x0A0AL);
        body.write(id2.array());
        body.write(2);
        body.write(new byte[] {0x0A, 0x0A});
        byte[] rowBinary = body.toByteArray();

        HttpClient client = HttpClient.newHttpClient();
        String q = URLEncoder.encode("INSERT INTO rb FORMAT RowBinary", StandardCharsets.UTF_8);
        HttpResponse<String> r1 = client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/?query=" + q
                        + "&user=writer&password=" + WRITER_PASSWORD))
                .POST(HttpRequest.BodyPublishers.ofByteArray(rowBinary)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r1.statusCode()).as(r1.body()).isEqualTo(200);
        assertThat(r1.headers().firstValue("X-ClickHouse-Summary").orElseThrow()).contains("\"written_rows\":\"2\"");

        // The same bytes with the statement in the body, as curl --data-binary would send them.
        ByteArrayOutputStream inline = new ByteArrayOutputStream();
        inline.write("INSERT INTO rb FORMAT RowBinary\n".getBytes(StandardCharsets.US_ASCII));
        inline.write(rowBinary);
        HttpResponse<String> r2 = client.send(HttpRequest.newBuilder(URI.create(server.endpoint() + "/"))
                        .header("X-ClickHouse-User", "writer").header("X-ClickHouse-Key", WRITER_PASSWORD)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(inline.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);

        try (Connection c = writer(""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, s FROM rb ORDER BY id, s")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) {
                got.add(Long.toHexString(rs.getLong(1)) + "|" + rs.getString(2));
            }
            assertThat(got).containsExactly("a0a|\n\n", "a0a|\n\n", "a0a0a0a0a0a0a0a|" + tricky,
                    "a0a0a0a0a0a0a0a|" + tricky);
        }
    }

    @Test
    void stringWithBlankLinesInAStatementIsStoredIntact() throws SQLException {
        String value = "line 1\n\nSELECT 'injected'\n\n\nline 6";
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS blank (id UInt32, s String) ENGINE = MergeTree ORDER BY id");
            st.execute("INSERT INTO blank VALUES (1, 'line 1\n\nSELECT ''injected''\n\n\nline 6')");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO blank VALUES (?, ?)")) {
                ps.setInt(1, 2);
                ps.setString(2, value);
                ps.executeUpdate();
            }
            try (ResultSet rs = st.executeQuery("SELECT id, s FROM blank ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo(value);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).isEqualTo(value);
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void auditorCanReadButCannotWriteNorLiftReadonly() throws Exception {
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS audited (id UInt32) ENGINE = MergeTree ORDER BY id");
            st.execute("INSERT INTO audited VALUES (1)");
        }
        try (Connection c = TestServers.jdbc(server, "auditor", AUDITOR_PASSWORD, ""); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count() FROM audited")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(1);
            }
            for (String write : List.of("INSERT INTO audited VALUES (2)", "CREATE TABLE evil (a UInt8) ENGINE = Memory",
                    "DROP TABLE audited", "ALTER TABLE audited DELETE WHERE 1", "TRUNCATE TABLE audited",
                    "SET readonly = 0", "INSERT INTO audited SETTINGS readonly = 0 VALUES (3)",
                    "SELECT count() FROM audited SETTINGS readonly = 0",
                    "INSERT INTO FUNCTION file('/tmp/evil.csv', 'CSV', 'a UInt8') VALUES (1)")) {
                SQLException e = catchThrowableOfType(SQLException.class, () -> st.execute(write));
                assertThat((Object) e).as(write).isNotNull();
                assertThat(e.getErrorCode()).as(write).isEqualTo(164);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO audited VALUES (?)")) {
                ps.setInt(1, 9);
                ps.addBatch();
                assertThatThrownBy(ps::executeBatch).isInstanceOf(SQLException.class).hasMessageContaining("READONLY");
            }
        }
        // URL settings cannot lift it either, and GET is read-only for everybody (as in ClickHouse).
        HttpResponse<String> viaParam = TestServers.http(server, "POST",
                "/?user=auditor&password=" + AUDITOR_PASSWORD + "&readonly=0", "INSERT INTO audited VALUES (4)");
        assertThat(viaParam.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("164");
        assertThat(viaParam.statusCode()).isEqualTo(403);
        HttpResponse<String> viaGet = TestServers.http(server, "GET",
                "/?user=writer&password=" + WRITER_PASSWORD + "&query=" + URLEncoder.encode(
                        "INSERT INTO audited VALUES (5)", StandardCharsets.UTF_8), null);
        assertThat(viaGet.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("164");
        try (Connection c = writer(""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count() FROM audited WHERE id > 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isZero();
        }
    }

    @Test
    void wrongPasswordIsAuthenticationFailed516() throws Exception {
        SQLException e = catchThrowableOfType(SQLException.class, () -> {
            try (Connection c = TestServers.jdbc(server, "writer", "wrong", ""); Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1");
            }
        });
        assertThat((Object) e).isNotNull();
        assertThat(e.getErrorCode()).isEqualTo(516);
        HttpResponse<String> r = TestServers.http(server, "GET", "/?query=SELECT+1&user=nobody", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("516");
    }

    @Test
    void curlStyleRequestsWork() throws Exception {
        assertThat(TestServers.http(server, "GET", "/ping", null).body()).isEqualTo("Ok.\n");
        assertThat(TestServers.http(server, "GET", "/", null).body()).isEqualTo("Ok.\n");
        HttpResponse<String> v = TestServers.http(server, "GET", "/?query=SELECT+version()", null);
        assertThat(v.statusCode()).isEqualTo(200);
        assertThat(v.body()).startsWith("26.5");
        assertThat(v.headers().firstValue("X-ClickHouse-Summary")).isPresent();
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+%7Bx:UInt32%7D+%2B+%7By:String%7D::UInt32"
                + "&param_x=40&param_y=2", null).body()).isEqualTo("42\n");
        assertThat(TestServers.http(server, "POST", "/?default_format=JSONEachRow", "SELECT 1 AS one").body())
                .isEqualTo("{\"one\":1}\n");
        assertThat(TestServers.http(server, "POST", "/", "CREATE DATABASE IF NOT EXISTS other").statusCode())
                .isEqualTo(200);
        HttpResponse<String> db = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.endpoint() + "/?query=SELECT+currentDatabase()"))
                .header("X-ClickHouse-Database", "other").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(db.body()).isEqualTo("other\n");
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+currentDatabase()&database=system", null).body())
                .isEqualTo("system\n");
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+currentDatabase()", null).body())
                .as("the database of one request does not stick to the next").isEqualTo("default\n");
        HttpResponse<String> multi = TestServers.http(server, "POST", "/", "SELECT 1; SELECT 2");
        assertThat(multi.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("62");
        assertThat(TestServers.http(server, "GET", "/nowhere", null).statusCode()).isEqualTo(404);
        HttpResponse<String> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(server.endpoint() + "/?query=DROP+TABLE+rb")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
    }

    @Test
    void bodyOverTheLimitIs413AndTheServerCarriesOn() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /?query=INSERT+INTO+rb+FORMAT+RowBinary HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + (MAX_BODY + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 413");
        }
        // Chunked, no length announced: the limit is enforced while reading.
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /?query=INSERT+INTO+rb+FORMAT+RowBinary HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            String head = Integer.toHexString(chunk.length) + "\r\n";
            String status = "";
            try {
                for (long sent = 0; sent <= MAX_BODY + chunk.length; sent += chunk.length) {
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.flush();
                status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                status = "reset after 413";
            }
            assertThat(status).isIn("HTTP/1.1 413", "reset after 413");
        }
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+count()+FROM+rb+WHERE+id=0", null).body())
                .isEqualTo("0\n");
    }

    @Test
    void survivesBinaryGarbageAndMalformedRequests() throws Exception {
        Random rnd = new Random(99);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(5000)];
            rnd.nextBytes(junk);
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(junk);
                s.shutdownOutput();
                s.getInputStream().readAllBytes();
            } catch (IOException e) {
                // The server may reset a connection it cannot parse; it must only stay up.
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    server.endpoint() + "/")).POST(HttpRequest.BodyPublishers.ofByteArray(junk)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isBetween(200, 599);
        }
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /?query=%ZZ%+SELECT HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 ");
        }
        for (String bad : List.of("/?decompress=1&query=SELECT+1", "/?query=SELECT+'unterminated")) {
            HttpResponse<String> r = TestServers.http(server, "POST", bad, "garbage that is not compressed");
            assertThat(r.statusCode()).as(bad).isGreaterThanOrEqualTo(400);
        }
        HttpResponse<String> huge = TestServers.http(server, "POST", "/",
                "SELECT 1 -- " + "x".repeat(17 << 20));
        assertThat(huge.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("62");
        assertThat(huge.body()).contains("Max query size exceeded");
        assertThat(server.isAlive()).isTrue();
        assertThat(TestServers.http(server, "GET", "/?query=SELECT+1", null).body()).isEqualTo("1\n");
    }

    @Test
    void sixteenConcurrentClientsAllGetTheirOwnAnswers() throws Exception {
        try (Connection c = writer(""); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS conc (client UInt32, n UInt32) ENGINE = MergeTree ORDER BY client");
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        AtomicInteger ok = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int client = t;
            futures.add(pool.submit(() -> {
                try (Connection c = writer(client % 2 == 0 ? "compress=true" : "compress=false");
                     Statement st = c.createStatement()) {
                    for (int i = 0; i < 20; i++) {
                        st.execute("INSERT INTO conc VALUES (" + client + ", " + i + ")");
                        try (ResultSet rs = st.executeQuery("SELECT count(), " + client
                                + " FROM conc WHERE client = " + client)) {
                            rs.next();
                            assertThat(rs.getLong(1)).isEqualTo(i + 1);
                            assertThat(rs.getInt(2)).isEqualTo(client);
                        }
                        if (i % 5 == 0) {
                            assertThatThrownBy(() -> st.executeQuery("SELEC broken " + client))
                                    .isInstanceOf(SQLException.class);
                        }
                    }
                    ok.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(180, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(ok.get()).isEqualTo(16);
    }

    @Test
    void clientDisconnectingMidResponseDoesNotBlockOthers() throws Exception {
        for (int round = 0; round < 3; round++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write(("GET /?query=SELECT+number,toString(number)+FROM+numbers(200000000)"
                        + (round == 1 ? "&compress=1" : "") + " HTTP/1.1\r\nHost: x\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                byte[] some = in.readNBytes(200_000);
                assertThat(some.length).isEqualTo(200_000);
            }
            long t0 = System.nanoTime();
            HttpResponse<String> r = TestServers.http(server, "GET", "/?query=SELECT+1", null);
            assertThat(r.body()).isEqualTo("1\n");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
        assertThat(server.isAlive()).isTrue();
    }
}
