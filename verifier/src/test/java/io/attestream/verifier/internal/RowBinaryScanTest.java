package io.attestream.verifier.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.attestream.verifier.VerifierException;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RowBinaryScanTest {
    private static final List<RowBinaryScan.Kind> KINDS = List.of(RowBinaryScan.Kind.BYTES, RowBinaryScan.Kind.LONG,
            RowBinaryScan.Kind.BYTES, RowBinaryScan.Kind.LONG);
    private HttpServer server;
    private final AtomicReference<String> query = new AtomicReference<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private RowBinaryScan.Endpoint serve(byte[] body, boolean chunked) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            query.set(ex.getRequestURI().getRawQuery() + " " + new String(ex.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            if (!chunked) {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
                return;
            }
            // Announce a chunked body, send part of it, then drop the connection (a server that failed mid-stream).
            ex.sendResponseHeaders(200, 0);
            OutputStream os = ex.getResponseBody();
            os.write(body);
            os.flush();
            ex.getHttpContext().getServer().stop(0);
        });
        server.start();
        return RowBinaryScan.Endpoint.ofJdbcUrl("jdbc:clickhouse:http://127.0.0.1:" + server.getAddress().getPort()
                + "/evidence", "auditor", "secret");
    }

    private static byte[] header() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(4);
        for (String s : List.of("tenant", "seq", "hash", "delta", "LowCardinality(String)", "UInt64",
                "FixedString(2)", "Int32")) {
            b.write(s.length());
            b.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    private static byte[] row(String tenant, long seq, byte[] hash, int delta) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tenant.length());
        b.writeBytes(tenant.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            b.write((int) (seq >>> (8 * i)));
        }
        b.writeBytes(hash);
        for (int i = 0; i < 4; i++) {
            b.write(delta >>> (8 * i));
        }
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void readsRowsAsTheEngineSendsThem() throws Exception {
        RowBinaryScan.Endpoint ep = serve(concat(header(), row("t1", 7, new byte[] {1, 2}, -5),
                row("t2", 1L << 40, new byte[] {3, 4}, 9)), false);
        try (RowBinaryScan s = RowBinaryScan.open(ep, "SELECT x", Map.of("tenant", "a b"), KINDS)) {
            assertThat(s.names()).containsExactly("tenant", "seq", "hash", "delta");
            assertThat(s.next()).isTrue();
            assertThat(new String(s.bytes(0), StandardCharsets.US_ASCII)).isEqualTo("t1");
            assertThat(s.longValue(1)).isEqualTo(7);
            assertThat(s.bytes(2)).containsExactly(1, 2);
            assertThat(s.longValue(3)).isEqualTo(-5);
            assertThat(s.next()).isTrue();
            assertThat(s.longValue(1)).isEqualTo(1L << 40);
            assertThat(s.next()).isFalse();
        }
        assertThat(query.get()).isEqualTo("database=evidence&param_tenant=a+b SELECT x");
    }

    @Test
    void reusedBuffersGiveEachRowItsOwnValueAndBytesGivesACopy() throws Exception {
        RowBinaryScan.Endpoint ep = serve(concat(header(), row("tenant-long", 7, new byte[] {1, 2}, -5),
                row("t2", 8, new byte[] {3, 4}, 9)), false);
        try (RowBinaryScan s = RowBinaryScan.open(ep, "SELECT x", Map.of(), KINDS)) {
            assertThat(s.next()).isTrue();
            byte[] first = s.bytes(0);
            assertThat(s.next()).isTrue();
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("tenant-long");
            assertThat(s.length(0)).isEqualTo(2);
            assertThat(new String(s.buffer(0), 0, s.length(0), StandardCharsets.US_ASCII)).isEqualTo("t2");
            assertThat(s.bytes(0)).isEqualTo("t2".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.bytes(2)).containsExactly(3, 4).isNotSameAs(s.bytes(2));
        }
    }

    @Test
    void rejectsAResultThatBreaksOffInsideARow() throws Exception {
        byte[] full = row("t1", 7, new byte[] {1, 2}, 1);
        byte[] cut = new byte[full.length - 3];
        System.arraycopy(full, 0, cut, 0, cut.length);
        RowBinaryScan.Endpoint ep = serve(concat(header(), cut), false);
        try (RowBinaryScan s = RowBinaryScan.open(ep, "SELECT x", Map.of(), KINDS)) {
            assertThatThrownBy(s::next).isInstanceOf(VerifierException.class).hasMessageContaining("broke off");
        }
    }

    @Test
    void rejectsAChunkedResultWhoseConnectionDropsBetweenRows() throws Exception {
        RowBinaryScan.Endpoint ep = serve(concat(header(), row("t1", 7, new byte[] {1, 2}, 1)), true);
        try (RowBinaryScan s = RowBinaryScan.open(ep, "SELECT x", Map.of(), KINDS)) {
            assertThatThrownBy(() -> {
                while (s.next()) {
                    // read to the end
                }
            }).isInstanceOf(VerifierException.class).hasMessageContaining("broke off");
        }
    }

    @Test
    void rejectsColumnsOfAnotherKind() throws Exception {
        RowBinaryScan.Endpoint ep = serve(header(), false);
        List<RowBinaryScan.Kind> wrong = List.of(RowBinaryScan.Kind.BYTES, RowBinaryScan.Kind.BYTES,
                RowBinaryScan.Kind.BYTES, RowBinaryScan.Kind.LONG);
        assertThatThrownBy(() -> RowBinaryScan.open(ep, "SELECT x", Map.of(), wrong))
                .isInstanceOf(VerifierException.class).hasMessageContaining("column seq has type UInt64");
    }

    @Test
    void derivesTheHttpEndpointFromTheJdbcUrl() {
        RowBinaryScan.Endpoint a = RowBinaryScan.Endpoint.ofJdbcUrl("jdbc:clickhouse:https://h:8443/db?ssl=true", "u",
                "p");
        assertThat(a.base()).isEqualTo(URI.create("https://h:8443/"));
        assertThat(a.database()).isEqualTo("db");
        RowBinaryScan.Endpoint b = RowBinaryScan.Endpoint.ofJdbcUrl("jdbc:ch://h:8123", "u", "p");
        assertThat(b.base()).isEqualTo(URI.create("http://h:8123/"));
        assertThat(b.database()).isNull();
        assertThatThrownBy(() -> RowBinaryScan.Endpoint.ofJdbcUrl("jdbc:clickhouse:grpc://h:9100/db", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grpc://h:9100/db");
    }
}
