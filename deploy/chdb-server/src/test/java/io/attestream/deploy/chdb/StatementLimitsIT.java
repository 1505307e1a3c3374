package io.attestream.deploy.chdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: no statement stalls everyone. A real chdb-server with a 2 s statement limit, a 1 s
 * wait for an engine session and one session of each kind, so that every limit is reached fast.
 */
class StatementLimitsIT {

    private static final long LIMIT_SECONDS = 2;
    private static final long WAIT_SECONDS = 1;
    /** A statement the engine cancels cooperatively: it checks for cancellation between blocks. */
    private static final String LONG_SCAN = "SELECT sum(sipHash64(number)) FROM numbers(1000000000000)";

    @TempDir
    static Path dir;
    static ChdbServerProcess server;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startServer() throws IOException {
        server = TestServers.start(dir.resolve("data"), null, LIMIT_SECONDS, WAIT_SECONDS, 1);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            assertThat(server.stop(Duration.ofSeconds(30))).as("exit code after SIGTERM").isZero();
        }
    }

    static HttpResponse<String> post(String user, String sql) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.endpoint() + "/?user=" + user))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    static CompletableFuture<HttpResponse<String>> postAsync(String user, String sql) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return post(user, sql);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    @Test
    void aLongReadIsStoppedAtTheLimitWithTimeoutExceeded() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post("auditor", LONG_SCAN);
        double took = since(t0);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(408);
        assertThat(r.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("159");
        assertThat(r.body()).contains("TIMEOUT_EXCEEDED");
        assertThat(took).isBetween(LIMIT_SECONDS - 0.1, LIMIT_SECONDS + 3.0);
        // The read-only session cannot lift its limit.
        assertThat(post("auditor", "SELECT 1 SETTINGS max_execution_time = 0").statusCode()).isEqualTo(403);
    }

    @Test
    void theWatchdogStopsAStatementThatLiftedTheEngineLimit() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = post("default", LONG_SCAN + " SETTINGS max_execution_time = 0");
        double took = since(t0);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(408);
        assertThat(r.body()).contains("TIMEOUT_EXCEEDED").contains("--max-execution-time").contains("was cancelled");
        assertThat(took).isBetween(LIMIT_SECONDS + 1.9, LIMIT_SECONDS + 6.0);
        assertThat(post("default", "SELECT 1").body().strip()).isEqualTo("1");
    }

    @Test
    void aStatementDeafToCancellationIsAnsweredAndOthersAreToldTheEngineIsBusy() throws Exception {
        // url() blocked in a socket read (a peer that accepts and never answers): KILL QUERY
        // cannot interrupt it until http_receive_timeout.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            deafStatement(silent.getLocalPort());
        }
    }

    private void deafStatement(int silentPort) throws Exception {
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> deaf = postAsync("default", "SELECT * FROM url('http://127.0.0.1:"
                + silentPort + "/', 'LineAsString', 'a String') SETTINGS http_receive_timeout = 12, "
                + "http_max_tries = 1, max_execution_time = 0");
        Thread.sleep(500);
        // The only full session is taken: a writer waits WAIT_SECONDS, then learns why, nothing ran.
        long w0 = System.nanoTime();
        HttpResponse<String> busy = post("default", "CREATE TABLE never (a UInt8) ENGINE = Memory");
        double waited = since(w0);
        assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(busy.body()).contains("TOO_MANY_SIMULTANEOUS_QUERIES").contains("not run");
        assertThat(waited).isBetween(WAIT_SECONDS - 0.1, WAIT_SECONDS + 2.0);
        // Readers have sessions of their own.
        long r0 = System.nanoTime();
        assertThat(post("auditor", "SELECT 1").body().strip()).isEqualTo("1");
        assertThat(since(r0)).isLessThan(1.0);

        HttpResponse<String> answered = deaf.get(30, TimeUnit.SECONDS);
        double took = since(t0);
        assertThat(answered.statusCode()).as(answered.body()).isEqualTo(500);
        assertThat(answered.body()).contains("does not respond to cancellation").contains("may still complete");
        // Not 159: clickhouse-jdbc would retry that, and this statement may still complete.
        assertThat(answered.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("1001");
        // limit + kill margin + overdue grace = 7 s, well before the 12 s chdb takes.
        assertThat(took).isBetween(LIMIT_SECONDS + 4.5, 11.0);
        // Once chdb returns, the session serves again; the CREATE above never ran.
        awaitServed("default", 20);
        assertThat(post("default", "EXISTS TABLE never").body().strip()).isEqualTo("0");
    }

    @Test
    void aLongReportDoesNotBlockWritesAndTheWorstWaitOfAReaderIsBounded() throws Exception {
        assertThat(post("default", "CREATE TABLE IF NOT EXISTS sink (x UInt64) ENGINE = MergeTree ORDER BY x")
                .statusCode()).isEqualTo(200);
        CompletableFuture<HttpResponse<String>> report = postAsync("auditor", LONG_SCAN);
        Thread.sleep(300);
        long worstInsert = 0;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = post("default", "INSERT INTO sink VALUES (" + i + ")");
            worstInsert = Math.max(worstInsert, System.nanoTime() - t0);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        // With one read-only session, a second reader behind the report waits at most
        // WAIT_SECONDS and is then told so (503); the report itself ends at the limit.
        long t0 = System.nanoTime();
        HttpResponse<String> second = post("auditor", "SELECT count() FROM sink");
        double readerWait = since(t0);
        assertThat(report.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(408);
        System.out.printf("inserts beside a long report: worst %.1f ms; second reader: HTTP %d after %.2f s%n",
                worstInsert / 1e6, second.statusCode(), readerWait);
        assertThat(worstInsert / 1e9).as("inserts do not wait for the report").isLessThan(1.0);
        assertThat(second.statusCode()).isIn(200, 503);
        assertThat(readerWait).isLessThan(WAIT_SECONDS + 1.5);
        assertThat(post("default", "SELECT count() FROM sink").body().strip()).isEqualTo("10");
    }

    private static void awaitServed(String user, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            HttpResponse<String> r = post(user, "SELECT 1");
            if (r.statusCode() == 200) {
                return;
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(System.nanoTime()).as("served again within %d s", seconds).isLessThan(end);
        }
    }
}
