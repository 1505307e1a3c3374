package io.attestream.ingest.gateway;

import static io.attestream.ingest.gateway.GatewayTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gateway.request.read.timeout.ms}: raw-socket clients that stop or trickle hold every worker of a small
 * gateway; they are cut within the timeout plus the check interval, the workers serve others again, nothing of theirs
 * is produced, and the timeouts are counted.
 */
class GatewayReadTimeoutTest {
    private static final int TIMEOUT_MS = 1000;
    /** Scheduling slack on a loaded machine, on top of the timeout and the watchdog's check interval. */
    private static final int MARGIN_MS = 1000;

    private static MockProducer<String, byte[]> producer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new StringSerializer(), new ByteArraySerializer());
    }

    private static GatewayTestSupport gateway(MockProducer<String, byte[]> producer, int threads, int timeoutMs) {
        Map<String, Object> extra = new HashMap<>();
        extra.put(GatewayConfig.THREADS_CONFIG, threads);
        extra.put(GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG, timeoutMs);
        return new GatewayTestSupport(producer, extra);
    }

    @Test
    void slowClientsHoldingEveryWorkerAreCutWithinTheTimeoutAndTheWorkersServeOthersAgain() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = gateway(mock, 2, TIMEOUT_MS)) {
            // One stops after the headers and a complete first NDJSON line; one sends all but the last 3 bytes and
            // trickles those at one byte per second: uncut, it would complete after ~3 s and its event be produced.
            byte[] stopped = (event("acme", "slow-stopped", 0) + "\n" + event("acme", "slow-stopped", 1) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] trickled = (event("acme", "slow-trickled", 2) + "\n").getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            try (Socket a = open(gw, stopped.length); Socket b = open(gw, trickled.length)) {
                a.getOutputStream().write(stopped, 0, stopped.length / 2 + 10);
                Thread trickler = trickle(b, trickled, trickled.length - 3);
                Thread.sleep(200);
                CompletableFuture<HttpResponse<String>> normal = CompletableFuture.supplyAsync(() -> post(gw,
                        event("acme", "normal", 3)));

                long aClosed = closedAfterMillis(a, start);
                long bClosed = closedAfterMillis(b, start);
                assertThat(aClosed).as("stopped client cut after (ms)").isBetween(TIMEOUT_MS - 50L,
                        TIMEOUT_MS + checkMillis() + MARGIN_MS);
                assertThat(bClosed).as("trickling client cut after (ms)").isBetween(TIMEOUT_MS - 50L,
                        TIMEOUT_MS + checkMillis() + MARGIN_MS);
                assertThat(normal.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
                trickler.join(10_000);
                assertThat(trickler.isAlive()).as("trickler stopped by the closed connection").isFalse();
            }
            assertThat(mock.history()).extracting(ProducerRecord::key).containsExactly("acme/normal");
            assertThat(timeouts(gw)).isEqualTo(2.0);
            assertThat(gw.gateway.meters().scrape()).contains("attestream_gateway_request_read_timeouts_total 2.0");
        }
    }

    @Test
    void clientTricklingItsHeadersIsCutWithinTheTimeout() throws Exception {
        try (GatewayTestSupport gw = gateway(producer(true), 1, TIMEOUT_MS)) {
            long start = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", gw.gateway.port())) {
                byte[] head = ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                        + "a".repeat(20)).getBytes(StandardCharsets.US_ASCII);
                Thread trickler = trickle(s, head, 40);
                assertThat(closedAfterMillis(s, start)).isBetween(TIMEOUT_MS - 50L,
                        TIMEOUT_MS + checkMillis() + MARGIN_MS);
                trickler.join(10_000);
            }
            assertThat(post(gw, event("acme", "normal", 0)).statusCode()).isEqualTo(202);
            assertThat(timeouts(gw)).isEqualTo(1.0);
        }
    }

    @Test
    void largeBatchSentInPiecesWithinTheTimeoutIsAccepted() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = gateway(mock, 1, 2000)) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                batch.append(event("acme", "agent-" + (i % 7), i)).append('\n');
            }
            byte[] body = batch.toString().getBytes(StandardCharsets.UTF_8);
            assertThat(body.length).isGreaterThan(256 * 1024);
            try (Socket s = open(gw, body.length)) {
                // 10 pieces over ~900 ms: longer than the check interval, shorter than the timeout.
                int piece = body.length / 10 + 1;
                for (int off = 0; off < body.length; off += piece) {
                    s.getOutputStream().write(body, off, Math.min(piece, body.length - off));
                    Thread.sleep(100);
                }
                assertThat(statusOf(s)).isEqualTo(202);
            }
            assertThat(mock.history()).hasSize(1000);
            assertThat(timeouts(gw)).isZero();
        }
    }

    @Test
    void idleKeepAliveConnectionIsNotCutAndItsNextRequestGetsItsOwnDeadline() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = gateway(mock, 1, TIMEOUT_MS)) {
            byte[] body = event("acme", "refund-bot", 0).getBytes(StandardCharsets.UTF_8);
            try (Socket s = open(gw, body.length)) {
                s.getOutputStream().write(body);
                assertThat(statusOf(s)).isEqualTo(202);
                Thread.sleep(TIMEOUT_MS + checkMillis() + 300);
                s.getOutputStream().write(head(body.length));
                s.getOutputStream().write(body);
                assertThat(statusOf(s)).isEqualTo(202);
            }
            assertThat(mock.history()).hasSize(2);
            assertThat(timeouts(gw)).isZero();
        }
    }

    @Test
    void requestWaitingForKafkaLongerThanTheReadTimeoutIsNotCut() throws Exception {
        MockProducer<String, byte[]> mock = producer(false);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.THREADS_CONFIG, 1,
                GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG, 300, GatewayConfig.ACK_TIMEOUT_MS_CONFIG, 10_000))) {
            CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> post(gw,
                    event("acme", "refund-bot", 0)));
            long deadline = System.currentTimeMillis() + 5000;
            while (mock.history().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(1000);
            assertThat(mock.completeNext()).isTrue();
            assertThat(pending.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
            assertThat(timeouts(gw)).isZero();
        }
    }

    @Test
    void withTheBoundOffASlowClientHoldsTheOnlyWorker() throws Exception {
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = gateway(mock, 1, 0)) {
            try (Socket s = open(gw, 1000)) {
                s.getOutputStream().write('{');
                Thread.sleep(200);
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.port()
                        + "/health")).timeout(Duration.ofMillis(TIMEOUT_MS + checkMillis() + MARGIN_MS)).build();
                assertThatThrownBy(() -> gw.http.send(req, HttpResponse.BodyHandlers.ofString()))
                        .isInstanceOf(HttpTimeoutException.class);
            }
            assertThat(mock.history()).isEmpty();
        }
    }

    @Test
    void tlsClientsStoppingInTheHandshakeOrAfterTheHeadersAreCutAndTheWorkersServeOthersAgain(@TempDir Path dir)
            throws Exception {
        Path keystore = dir.resolve("gateway.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-alias", "gateway", "-dname", "CN=127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8)).isZero();
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trusted.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        MockProducer<String, byte[]> mock = producer(true);
        try (GatewayTestSupport gw = new GatewayTestSupport(mock, Map.of(GatewayConfig.THREADS_CONFIG, 2,
                GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                GatewayConfig.TLS_KEYSTORE_LOCATION_CONFIG, keystore.toString(),
                GatewayConfig.TLS_KEYSTORE_PASSWORD_CONFIG, "changeit"))) {
            byte[] body = event("acme", "slow-tls", 0).getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            try (Socket handshake = new Socket("127.0.0.1", gw.gateway.port());
                 SSLSocket headers = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", gw.gateway.port())) {
                // The first 5 bytes of a TLS record (a ClientHello header), then nothing.
                handshake.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
                headers.getOutputStream().write(head(body.length));
                headers.getOutputStream().write(body, 0, body.length - 1);
                headers.getOutputStream().flush();
                assertThat(closedAfterMillis(handshake, start)).as("cut in the handshake after (ms)")
                        .isBetween(TIMEOUT_MS - 50L, TIMEOUT_MS + checkMillis() + MARGIN_MS);
                assertThat(closedAfterMillis(headers, start)).as("cut in the body after (ms)")
                        .isBetween(TIMEOUT_MS - 50L, TIMEOUT_MS + checkMillis() + MARGIN_MS);
            }
            try (SSLSocket normal = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", gw.gateway.port())) {
                byte[] ok = event("acme", "normal", 1).getBytes(StandardCharsets.UTF_8);
                normal.getOutputStream().write(head(ok.length));
                normal.getOutputStream().write(ok);
                normal.getOutputStream().flush();
                assertThat(statusOf(normal)).isEqualTo(202);
            }
            assertThat(mock.history()).extracting(ProducerRecord::key).containsExactly("acme/normal");
            assertThat(timeouts(gw)).isEqualTo(2.0);
        }
    }

    @Test
    void negativeReadTimeoutIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new GatewayConfig(Map.of(GatewayConfig.API_KEYS_FILE_CONFIG, "k",
                "bootstrap.servers", "localhost:1", GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG, -1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GatewayConfig.REQUEST_READ_TIMEOUT_MS_CONFIG);
    }

    private static long checkMillis() {
        return RequestReadTimeout.checkIntervalMillis(TIMEOUT_MS);
    }

    private static double timeouts(GatewayTestSupport gw) {
        return gw.gateway.meters().get("attestream.gateway.request.read.timeouts").counter().count();
    }

    private static HttpResponse<String> post(GatewayTestSupport gw, String body) {
        try {
            return gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway.port()
                    + "/v1/events")).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer k-acme")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] head(int contentLength) {
        return ("POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k-acme\r\n"
                + "Content-Type: application/x-ndjson\r\nContent-Length: " + contentLength + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A connection that has sent the request line and headers of a POST declaring {@code contentLength}. */
    private static Socket open(GatewayTestSupport gw, int contentLength) throws IOException {
        Socket s = new Socket("127.0.0.1", gw.gateway.port());
        s.setTcpNoDelay(true);
        s.getOutputStream().write(head(contentLength));
        s.getOutputStream().flush();
        return s;
    }

    /** Writes the first {@code burst} bytes at once, then one byte per second until done or the write fails. */
    private static Thread trickle(Socket s, byte[] bytes, int burst) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write(bytes, 0, burst);
                for (int i = burst; i < bytes.length; i++) {
                    Thread.sleep(1000);
                    out.write(bytes[i]);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // The gateway closed the connection: what the test waits for.
            }
        }, "trickler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Milliseconds from {@code startNanos} until the gateway closed the connection; fails after 10 s. */
    private static long closedAfterMillis(Socket s, long startNanos) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() != -1) {
                // An answer before the close is allowed (none is sent today).
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after 10 s", e);
        } catch (SocketException reset) {
            // Closed with unread data: a reset, also a close.
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** The status of the next answer on {@code s}, its body consumed (Content-Length framing). */
    private static int statusOf(Socket s) throws IOException {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!endsWithBlankLine(head.toByteArray())) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed before an answer");
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(text.substring(9, 12));
    }

    private static boolean endsWithBlankLine(byte[] b) {
        return b.length >= 4 && Arrays.equals(b, b.length - 4, b.length, new byte[] {'\r', '\n', '\r', '\n'}, 0, 4);
    }
}
