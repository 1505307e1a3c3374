package io.attestream.sink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.attestream.sink.SinkConfig;
import io.attestream.sink.SinkException;
import io.attestream.sink.SinkException.ClickHouseUnavailableException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ClickHouseStoreTest {
    @Test
    void aServerThatAcceptsButNeverAnswersIsUnavailableAfterTheSocketTimeout() throws IOException {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // read nothing, answer nothing: a hung engine
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            long t0 = System.nanoTime();
            try (ClickHouseStore store = new ClickHouseStore("jdbc:clickhouse://127.0.0.1:" + silent.getLocalPort(),
                    "default", "", "attestream", 1_500)) {
                assertThatThrownBy(() -> store.execute("SELECT 1")).isInstanceOf(ClickHouseUnavailableException.class)
                        .hasStackTraceContaining("timed out");
            }
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the failure")
                    .isBetween(1_400L, 30_000L);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void onAClusterTheDriverSendsTheInsertSettingsWithEveryRequestAndAKeyOverridesOne() throws IOException {
        Map<String, Object> props = new HashMap<>();
        props.put(SinkConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        props.put(SinkConfig.REGISTRY_URL_CONFIG, "http://127.0.0.1:8081");
        props.put(SinkConfig.CLICKHOUSE_CLUSTER_CONFIG, "audit");
        props.put(SinkConfig.CLICKHOUSE_SETTING_PREFIX + "insert_quorum", "2");
        props.put(SinkConfig.CLICKHOUSE_COMPRESS_CONFIG, "false");
        List<String> queries = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            queries.add(exchange.getRequestURI().getRawQuery());
            exchange.getRequestBody().readAllBytes();
            byte[] body = "Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE)"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-ClickHouse-Exception-Code", "60");
            exchange.sendResponseHeaders(404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            props.put(SinkConfig.CLICKHOUSE_URL_CONFIG, "jdbc:clickhouse://127.0.0.1:" + server.getAddress().getPort());
            SinkConfig config = new SinkConfig(props);
            try (ClickHouseStore store = new ClickHouseStore(config.getString(SinkConfig.CLICKHOUSE_URL_CONFIG),
                    "default", "", "attestream", config.clickHouseDriverProperties())) {
                assertThatThrownBy(() -> store.execute("SELECT 1 FROM x")).isInstanceOf(SinkException.class);
            }
        } finally {
            server.stop(0);
        }
        assertThat(queries).isNotEmpty();
        // What the server receives, not what the sink meant to set: the HTTP parameters of the failed request.
        assertThat(queries).allSatisfy(q -> assertThat(q).contains("insert_distributed_sync=1", "insert_quorum=2",
                "insert_quorum_parallel=0", "select_sequential_consistency=1").doesNotContain("insert_quorum=auto"));
    }
}
